// Snapshot testing, in one place.
//
// A snapshot test compares a text with the approved copy in tests/Offload.Generator.Tests/Snapshots/, in a file
// named <TestClass>.<TestMethod>.approved.txt (the test class is taken from the name of the calling file).
//
// When the text differs, or no approved file exists yet, the test fails and writes what it got next to it as
// <TestClass>.<TestMethod>.received.txt (git ignores *.received.*). To approve a change:
//   1. read the received file (or diff it with the approved one) and make sure the new text is right;
//   2. rename it over the approved file, e.g.
//        mv tests/Offload.Generator.Tests/Snapshots/X.Y.received.txt tests/Offload.Generator.Tests/Snapshots/X.Y.approved.txt
//      (the failure message prints this command with the full paths), or, for every received file at once,
//        for f in tests/Offload.Generator.Tests/Snapshots/*.received.txt; do mv -f "$f" "${f%.received.txt}.approved.txt"; done
//   3. commit the approved file.
// Nothing is ever approved automatically, in CI or anywhere else: a missing approved file is a failure.
//
// Only this file knows about ApprovalTests; tests call Snapshot.Match and nothing else, so moving to another
// library (Verify, say) means rewriting this file alone.

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using ApprovalTests;
using ApprovalTests.Approvers;
using ApprovalTests.Core;
using Xunit.Sdk;

namespace Offload.Generator.Tests.Infrastructure;

/// <summary>Compares text with an approved snapshot kept in the test project's <c>Snapshots</c> folder.</summary>
internal static class Snapshot
{
    /// <summary>The folder, next to the test sources, that holds the approved files.</summary>
    private const string SnapshotFolder = "Snapshots";

    /// <summary>
    /// Fails unless <paramref name="text"/> equals the approved snapshot of the calling test, line endings aside.
    /// </summary>
    /// <param name="text">The text to compare, for example generated source.</param>
    /// <param name="callerFilePath">Filled in by the compiler: the test's source file, whose name is the test class's name.</param>
    /// <param name="callerMemberName">Filled in by the compiler: the test method's name.</param>
    public static void Match(
        string text,
        [CallerFilePath] string callerFilePath = "",
        [CallerMemberName] string callerMemberName = "")
    {
        // Approved files may be checked out with CRLF (git autocrlf) and generated text may carry CRLF on Windows;
        // both sides are compared with '\n' only. The received file is written with '\n' too, so that approving it
        // never commits a platform's line endings.
        var normalized = NormalizeLineEndings(text);
        var namer = new SnapshotNamer(ResolveSnapshotDirectory(callerFilePath), Path.GetFileNameWithoutExtension(callerFilePath) + "." + callerMemberName);

        // The approver and the reporter are passed explicitly: that skips ApprovalTests' search of the call stack for
        // [UseReporter]/[FrontLoadedReporter] attributes, whose defaults may try to start a diff tool, which hangs or
        // fails on a build agent without a display.
        var approver = new FileApprover(new SnapshotWriter(normalized), namer, normalizeLineEndingsForTextFiles: true);
        Approvals.Verify(approver, ThrowingReporter.Instance);
    }

    private static string NormalizeLineEndings(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    /// <summary>
    /// The Snapshots folder beside the calling test's source file. A build with mapped source paths
    /// (<c>ContinuousIntegrationBuild</c>, <c>PathMap</c>) leaves <c>[CallerFilePath]</c> pointing nowhere; the test
    /// project's folder is then found by walking up from the test binaries to the project file.
    /// </summary>
    private static string ResolveSnapshotDirectory(string callerFilePath)
    {
        var sourceDirectory = Path.GetDirectoryName(callerFilePath);
        if (!string.IsNullOrEmpty(sourceDirectory) && Directory.Exists(sourceDirectory))
        {
            return Path.Combine(sourceDirectory, SnapshotFolder);
        }

        var projectFile = Assembly.GetExecutingAssembly().GetName().Name + ".csproj";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, projectFile)))
            {
                return Path.Combine(directory.FullName, SnapshotFolder);
            }
        }

        throw new InvalidOperationException($"Cannot find the snapshot folder: '{callerFilePath}' does not exist and no '{projectFile}' lies above '{AppContext.BaseDirectory}'.");
    }

    /// <summary>Names snapshot files <c>&lt;TestClass&gt;.&lt;TestMethod&gt;</c> in a fixed folder, from caller information rather than stack traces.</summary>
    private sealed class SnapshotNamer(string sourcePath, string name) : IApprovalNamer
    {
        public string SourcePath { get; } = sourcePath;

        public string Name { get; } = name;
    }

    /// <summary>
    /// Writes <c>.received.txt</c> files as UTF-8 without a byte order mark (ApprovalTests' own text writer adds one),
    /// so approved files stay plain text that diffs and editors handle alike.
    /// </summary>
    private sealed class SnapshotWriter(string text) : IApprovalWriter
    {
        private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

        public string GetApprovalFilename(string basename) => basename + ".approved.txt";

        public string GetReceivedFilename(string basename) => basename + ".received.txt";

        public string WriteReceivedFile(string received)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(received)!);
            File.WriteAllText(received, text, Utf8NoBom);
            return received;
        }
    }

    /// <summary>
    /// Turns a mismatch into a test failure that says what changed and how to approve it. It never launches a tool
    /// and never approves: it is the same on a developer's machine and under <c>CI=true</c>.
    /// </summary>
    private sealed class ThrowingReporter : IApprovalFailureReporter
    {
        public static readonly ThrowingReporter Instance = new();

        /// <summary>How many lines around the first difference the failure message shows.</summary>
        private const int ContextLines = 3;

        public void Report(string approved, string received)
        {
            var message = new StringBuilder();
            if (!File.Exists(approved))
            {
                message.AppendLine($"No approved snapshot: {approved}");
                message.AppendLine($"The test wrote what it got to {received}.");
            }
            else
            {
                message.AppendLine($"The snapshot differs from {approved}.");
                message.AppendLine($"The test wrote what it got to {received}.");
                AppendFirstDifference(message, approved, received);
            }

            message.AppendLine("If the received text is right, approve it with:");
            message.AppendLine(OperatingSystem.IsWindows()
                ? $"  move /Y \"{received}\" \"{approved}\""
                : $"  mv -f \"{received}\" \"{approved}\"");

            // An xunit exception, so the runner shows it as an assertion failure rather than a crash.
            throw new XunitException(message.ToString());
        }

        private static void AppendFirstDifference(StringBuilder message, string approvedPath, string receivedPath)
        {
            var approved = NormalizeLineEndings(File.ReadAllText(approvedPath)).Split('\n');
            var received = NormalizeLineEndings(File.ReadAllText(receivedPath)).Split('\n');
            var first = 0;
            while (first < approved.Length && first < received.Length && approved[first] == received[first])
            {
                first++;
            }

            message.AppendLine($"First difference at line {first + 1} (approved: {approved.Length} lines, received: {received.Length} lines):");
            var start = Math.Max(0, first - ContextLines);
            for (var i = start; i < Math.Min(approved.Length, first + ContextLines + 1); i++)
            {
                message.AppendLine($"  approved {i + 1,5}: {approved[i]}");
            }

            for (var i = start; i < Math.Min(received.Length, first + ContextLines + 1); i++)
            {
                message.AppendLine($"  received {i + 1,5}: {received[i]}");
            }
        }
    }
}
