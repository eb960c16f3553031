using System.ComponentModel;
using MemoryPack;

namespace Offload.CompilerServices;

/// <summary>
/// Registers MemoryPack formatters for the generated code. MemoryPack finds most formatters by reflection or
/// <c>MakeGenericType</c> the first time a type is serialized, which NativeAOT cannot do for a type the program never
/// named; the generated code names each one its signatures need.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FormatterRegistration
{
    /// <summary>Registers <paramref name="formatter"/> for <typeparamref name="T"/>, unless a formatter is already registered (the application's own wins).</summary>
    /// <typeparam name="T">The serialized type.</typeparam>
    /// <param name="formatter">The formatter MemoryPack would pick for <typeparamref name="T"/>.</param>
    public static void Add<T>(MemoryPackFormatter<T> formatter)
    {
        if (!MemoryPackFormatterProvider.IsRegistered<T>())
        {
            MemoryPackFormatterProvider.Register(formatter);
        }
    }
}
