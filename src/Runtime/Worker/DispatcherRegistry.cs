using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using Offload.CompilerServices;

namespace Offload.Worker;

/// <summary>
/// The worker's table from method id to generated dispatcher, filled as the parent names assemblies to load.
/// Reflection is used once per assembly (to read <see cref="OffloadDispatcherAttribute"/>), never per call.
/// </summary>
internal sealed class DispatcherRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, IOffloadDispatcher> _dispatchers = [];
    private readonly Dictionary<string, string> _loadFailures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<IOffloadDispatcher, Exception> _initializerFailures = [];

    /// <summary>
    /// Loads an assembly and registers its dispatchers; returns the new dispatchers, whose initializers have yet to
    /// run. A failure is remembered and reported with the calls it breaks.
    /// </summary>
    /// <param name="fullName">The assembly's full name.</param>
    /// <param name="location">Its file in the parent, tried when the name does not resolve; null when it has none.</param>
    public IReadOnlyList<IOffloadDispatcher> Load(string fullName, string? location = null)
    {
        lock (_lock)
        {
            if (!_loaded.Add(fullName))
            {
                return [];
            }
        }

        var created = new List<IOffloadDispatcher>();
        try
        {
            var assembly = LoadAssembly(fullName, location);
            foreach (var attribute in assembly.GetCustomAttributes<OffloadDispatcherAttribute>())
            {
                var dispatcher = (IOffloadDispatcher)Activator.CreateInstance(attribute.DispatcherType)!;
                created.Add(dispatcher);
                lock (_lock)
                {
                    foreach (var id in dispatcher.MethodIds)
                    {
                        _dispatchers[id] = dispatcher;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _loadFailures[fullName] = $"{ex.GetType().FullName}: {ex.Message}";
            }
        }

        return created;
    }

    /// <summary>Remembers that a dispatcher's initializers threw: its methods then fail with that exception.</summary>
    public void MarkInitializerFailed(IOffloadDispatcher dispatcher, Exception exception)
    {
        lock (_lock)
        {
            _initializerFailures[dispatcher] = exception;
        }
    }

    /// <summary>Finds the dispatcher for <paramref name="methodId"/>, or throws an exception that says why there is none.</summary>
    public IOffloadDispatcher Find(ulong methodId)
    {
        lock (_lock)
        {
            if (_dispatchers.TryGetValue(methodId, out var dispatcher))
            {
                if (_initializerFailures.TryGetValue(dispatcher, out var failure))
                {
                    throw new InvalidOperationException(
                        $"The [WorkerInitializer] methods of {dispatcher.GetType().Assembly.GetName().Name} failed in this worker, so its methods cannot run here: {failure.Message}",
                        failure);
                }

                return dispatcher;
            }

            var failures = _loadFailures.Count == 0
                ? ""
                : " Assemblies that failed to load: " + string.Join("; ", _loadFailures.Select(f => $"{f.Key} ({f.Value})"));
            throw new OffloadProtocolException(
                $"No generated dispatcher in this worker knows method id 0x{methodId:x16}. Loaded: {string.Join(", ", _loaded)}.{failures}");
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026:Members annotated with 'RequiresUnreferencedCodeAttribute' require dynamic access otherwise can break functionality when trimming application code",
        Justification = "Only for an assembly the parent loaded by path, outside the app's deps.json (a plugin): the worker loads the same file, which needs what it needed in the parent. Trimmed and NativeAOT apps send no path.")]
    private static Assembly LoadAssembly(string fullName, string? location)
    {
        try
        {
            return Assembly.Load(new AssemblyName(fullName));
        }
        catch (Exception) when (location is { Length: > 0 } && File.Exists(location))
        {
            // Not in the application's deps.json (e.g. loaded by path in the parent): load it from the same file.
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(location);
        }
    }
}
