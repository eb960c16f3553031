namespace Offload.Samples.Gallery;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its action on the reporting thread. (<see cref="Progress{T}"/> would post
/// each report to the thread pool, where two reports can overtake each other; the pool already delivers them one at a
/// time, in order.)
/// </summary>
/// <typeparam name="T">What is reported.</typeparam>
public sealed class ActionProgress<T>(Action<T> action) : IProgress<T>
{
    /// <summary>Does nothing with what it hears.</summary>
    public static ActionProgress<T> None { get; } = new(_ => { });

    /// <inheritdoc/>
    public void Report(T value) => action(value);
}
