namespace Offload.Samples.Gallery;

/// <summary>
/// Procedural RGBA images, the same for the same seed: fractal value noise ("clouds"), rings or a gradient with
/// discs, with grain. Every pixel is a function of (seed, x, y) alone, so any region of an image can be made on its
/// own: the parent makes whole images for the batch, a worker makes just its band of the big image it scans.
/// </summary>
public static class SyntheticImage
{
    /// <summary>Bytes per pixel: red, green, blue, alpha.</summary>
    public const int Channels = 4;

    /// <summary>A whole <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static byte[] Generate(int seed, int width, int height)
    {
        var pixels = new byte[checked(width * height * Channels)];
        Fill(seed, width, height, 0, 0, width, height, pixels);
        return pixels;
    }

    /// <summary>
    /// Writes the region (<paramref name="left"/>, <paramref name="top"/>, <paramref name="regionWidth"/> x
    /// <paramref name="regionHeight"/>) of the image <paramref name="seed"/> of <paramref name="width"/> x
    /// <paramref name="height"/> to <paramref name="destination"/>, row after row.
    /// </summary>
    public static void Fill(int seed, int width, int height, int left, int top, int regionWidth, int regionHeight, Span<byte> destination)
    {
        var kind = (uint)seed % 3;
        var scale = 48f + seed % 5 * 16;
        for (var y = 0; y < regionHeight; y++)
        {
            var row = destination.Slice(y * regionWidth * Channels, regionWidth * Channels);
            var py = top + y;
            for (var x = 0; x < regionWidth; x++)
            {
                var px = left + x;
                var u = px / (float)width;
                var v = py / (float)height;
                var (r, g, b) = kind switch
                {
                    0 => Clouds(seed, px / scale, py / scale),
                    1 => Rings(seed, u, v, Noise(seed, px / scale, py / scale)),
                    _ => Discs(seed, u, v, width / (float)height),
                };

                // Grain: a little per-pixel noise, so no two neighbours are equal and edges are never trivial.
                var grain = (Hash(seed, px, py) & 15) - 8;
                var o = x * Channels;
                row[o] = Clamp(r * 255 + grain);
                row[o + 1] = Clamp(g * 255 + grain);
                row[o + 2] = Clamp(b * 255 + grain);
                row[o + 3] = 255;
            }
        }
    }

    private static (float R, float G, float B) Clouds(int seed, float x, float y)
    {
        var n = 0.5f * Noise(seed, x, y) + 0.25f * Noise(seed + 1, 2 * x, 2 * y) + 0.125f * Noise(seed + 2, 4 * x, 4 * y);
        n /= 0.875f;
        return (0.3f + 0.7f * n, 0.45f + 0.55f * n, 0.9f - 0.3f * n);
    }

    private static (float R, float G, float B) Rings(int seed, float u, float v, float noise)
    {
        var cx = 0.3f + (seed & 7) / 20f;
        var cy = 0.35f + (seed >> 3 & 7) / 25f;
        var d = MathF.Sqrt((u - cx) * (u - cx) + (v - cy) * (v - cy));
        var ring = 0.5f + 0.5f * MathF.Sin(d * (40 + seed % 13 * 4) + noise * 3);
        return (ring, 0.6f * ring + 0.3f * noise, 1 - ring * 0.8f);
    }

    private static (float R, float G, float B) Discs(int seed, float u, float v, float aspect)
    {
        var (r, g, b) = (0.2f + 0.6f * u, 0.2f + 0.5f * v, 0.6f - 0.4f * u * v);
        for (var i = 0; i < 12; i++)
        {
            var cx = (Hash(seed, i, 1) & 1023) / 1023f;
            var cy = (Hash(seed, i, 2) & 1023) / 1023f;
            var radius = 0.03f + (Hash(seed, i, 3) & 255) / 2048f;
            var dx = (u - cx) * aspect;
            var dy = v - cy;
            if (dx * dx + dy * dy < radius * radius)
            {
                var shade = (Hash(seed, i, 4) & 255) / 255f;
                (r, g, b) = (shade, 1 - shade, 0.5f + shade / 2);
            }
        }

        return (r, g, b);
    }

    /// <summary>Value noise in [0, 1): a hashed lattice, smoothly interpolated.</summary>
    private static float Noise(int seed, float x, float y)
    {
        var ix = (int)MathF.Floor(x);
        var iy = (int)MathF.Floor(y);
        var fx = x - ix;
        var fy = y - iy;
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        var a = Lattice(seed, ix, iy);
        var b = Lattice(seed, ix + 1, iy);
        var c = Lattice(seed, ix, iy + 1);
        var d = Lattice(seed, ix + 1, iy + 1);
        return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
    }

    private static float Lattice(int seed, int x, int y) => (Hash(seed, x, y) & 0xFFFF) / 65536f;

    private static int Hash(int seed, int x, int y)
    {
        // A small integer mix (from the family of "lowbias32" mixers): fast, and good enough for pictures.
        var h = (uint)seed * 0x9E3779B1u ^ (uint)x * 0x85EBCA77u ^ (uint)y * 0xC2B2AE3Du;
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        return (int)(h & 0x7FFFFFFF);
    }

    private static byte Clamp(float value) => (byte)Math.Clamp((int)value, 0, 255);
}
