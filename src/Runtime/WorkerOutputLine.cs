namespace Offload;

/// <summary>A line a worker wrote to its standard output or standard error.</summary>
/// <param name="WorkerId">The worker that wrote it.</param>
/// <param name="Line">The line, without its line break.</param>
/// <param name="IsError">True for standard error.</param>
public readonly record struct WorkerOutputLine(int WorkerId, string Line, bool IsError);
