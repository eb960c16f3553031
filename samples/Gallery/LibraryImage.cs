namespace Offload.Samples.Gallery;

/// <summary>One image of an <see cref="ImageLibrary"/>.</summary>
/// <param name="Path">Its PAM file.</param>
/// <param name="Seed">The seed it was made from.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record LibraryImage(string Path, int Seed, int Width, int Height)
{
    /// <summary>The file's name without its extension.</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>Size of its RGBA pixels, in bytes.</summary>
    public long Bytes => (long)Width * Height * SyntheticImage.Channels;
}
