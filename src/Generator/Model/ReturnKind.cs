namespace Offload.Generator.Model;

/// <summary>How a <c>[RunInWorkerProcess]</c> method returns, which decides how the worker awaits it and what the companion returns.</summary>
internal enum ReturnKind
{
    /// <summary>The method's return shape is not supported.</summary>
    Unsupported = 0,

    /// <summary><c>void</c>: the companion returns <c>Task</c>.</summary>
    Void,

    /// <summary>A plain value <c>T</c>: the companion returns <c>Task&lt;T&gt;</c>.</summary>
    Value,

    /// <summary><c>Task</c>: the worker awaits it, the companion returns <c>Task</c>.</summary>
    Task,

    /// <summary><c>Task&lt;T&gt;</c>: the worker awaits it, the companion returns <c>Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>ValueTask</c>: the worker awaits it, the companion returns <c>Task</c>.</summary>
    ValueTask,

    /// <summary><c>ValueTask&lt;T&gt;</c>: the worker awaits it, the companion returns <c>Task&lt;T&gt;</c>.</summary>
    ValueTaskOfT,

    /// <summary>
    /// <c>IAsyncEnumerable&lt;T&gt;</c>: the worker streams the items back as the method yields them, the companion
    /// returns <c>IAsyncEnumerable&lt;T&gt;</c>; the result type is the item type <c>T</c>.
    /// </summary>
    Stream,
}
