namespace Offload.Samples.Gallery;

/// <summary>
/// A folder of synthetic images in the temp directory, made up front as a photo library would already be on disk,
/// and removed on <see cref="Dispose"/>. The same count and size class always make the same files.
/// </summary>
public sealed class ImageLibrary : IDisposable
{
    // Sizes cycle through these: 0.5 to 1.9 megapixels (2 to 7.7 MB of RGBA), or 0.15 to 0.5 for a quick run.
    private static readonly (int Width, int Height)[] Sizes = [(800, 600), (1024, 768), (1280, 960), (1600, 1200), (1152, 864)];
    private static readonly (int Width, int Height)[] QuickSizes = [(480, 360), (640, 480), (800, 600), (560, 420)];

    private ImageLibrary(string folder, IReadOnlyList<LibraryImage> images, LibraryImage warmUp)
    {
        Folder = folder;
        Images = images;
        WarmUp = warmUp;
    }

    /// <summary>The folder that holds the images.</summary>
    public string Folder { get; }

    /// <summary>The images, in the order they were numbered.</summary>
    public IReadOnlyList<LibraryImage> Images { get; }

    /// <summary>A small image, not one of <see cref="Images"/>, to run the analysis once before it is timed.</summary>
    public LibraryImage WarmUp { get; }

    /// <summary>All the images' pixel bytes.</summary>
    public long TotalBytes => Images.Sum(i => i.Bytes);

    /// <summary>Makes <paramref name="count"/> images, in parallel on this process's cores.</summary>
    public static ImageLibrary Create(int count, bool quick)
    {
        var folder = Directory.CreateTempSubdirectory("offload-gallery-").FullName;
        var sizes = quick ? QuickSizes : Sizes;
        var images = Enumerable.Range(0, count)
            .Select(i => new LibraryImage(Path.Combine(folder, $"img-{i:D3}.pam"), 1000 + i, sizes[i % sizes.Length].Width, sizes[i % sizes.Length].Height))
            .ToArray();
        var warmUp = new LibraryImage(Path.Combine(folder, "warm-up.pam"), 1, 160, 120);
        Parallel.ForEach(images.Append(warmUp), image => new PamImage(image.Width, image.Height, SyntheticImage.Generate(image.Seed, image.Width, image.Height)).Save(image.Path));
        return new ImageLibrary(folder, images, warmUp);
    }

    /// <summary>Removes the folder and its images.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp directory's own cleanup: nothing the sample reports depends on it.
        }
    }
}
