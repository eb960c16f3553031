using System.Globalization;
using System.Text;

namespace Offload.Samples.Gallery;

/// <summary>
/// An RGBA image in a Netpbm PAM file (<c>P7</c>, <c>TUPLTYPE RGB_ALPHA</c>): a short text header and the raw
/// pixels, so the sample needs no image library, and ImageMagick or GIMP can still open what it writes.
/// </summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Pixels">Red, green, blue and alpha of each pixel, row after row.</param>
public sealed record PamImage(int Width, int Height, byte[] Pixels)
{
    /// <summary>Writes the image to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P7\nWIDTH {Width}\nHEIGHT {Height}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n")));
        file.Write(Pixels);
    }

    /// <summary>Reads an RGBA PAM file, as <see cref="Save"/> writes them.</summary>
    /// <exception cref="InvalidDataException">The file is not an 8-bit RGBA PAM image.</exception>
    public static PamImage Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var end = bytes.AsSpan().IndexOf("ENDHDR\n"u8);
        if (end < 0 || !bytes.AsSpan().StartsWith("P7\n"u8))
        {
            throw new InvalidDataException($"{path} is not a PAM (P7) image.");
        }

        var header = Encoding.ASCII.GetString(bytes, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        var width = Field("WIDTH");
        var height = Field("HEIGHT");
        var offset = end + "ENDHDR\n".Length;
        if (Field("DEPTH") != 4 || Field("MAXVAL") != 255 || width < 1 || height < 1 || bytes.Length - offset != (long)width * height * 4)
        {
            throw new InvalidDataException($"{path} is not an 8-bit RGBA PAM image of the size its header gives.");
        }

        return new PamImage(width, height, bytes[offset..]);

        int Field(string name) => header.TryGetValue(name, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidDataException($"{path}: the PAM header has no valid {name}.");
    }
}
