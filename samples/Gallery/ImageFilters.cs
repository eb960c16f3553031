namespace Offload.Samples.Gallery;

/// <summary>
/// The image processing itself, plain and single-threaded (each worker is one core): a separable Gaussian blur, luma,
/// a Sobel edge filter and a histogram. Written for clarity; the sample is about where it runs, not how fast.
/// </summary>
public static class ImageFilters
{
    /// <summary>Edge strength (Sobel magnitude on 0–255 luma) above which a pixel counts as an edge.</summary>
    public const float EdgeThreshold = 16;

    /// <summary>
    /// Blurs the colour channels of <paramref name="rgba"/> with a Gaussian of <paramref name="radius"/> pixels
    /// (alpha is copied). <paramref name="progress"/>, when given, hears the share of the work done, 0 to 1.
    /// </summary>
    public static byte[] GaussianBlur(ReadOnlySpan<byte> rgba, int width, int height, int radius, Action<double>? progress = null)
    {
        var kernel = Kernel(radius);
        var stride = width * 3;
        var horizontal = new float[stride * height];
        for (var y = 0; y < height; y++)
        {
            var source = rgba.Slice(y * width * 4, width * 4);
            var target = horizontal.AsSpan(y * stride, stride);
            for (var x = 0; x < width; x++)
            {
                float r = 0, g = 0, b = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    var i = Math.Clamp(x + k, 0, width - 1) * 4;
                    var w = kernel[k + radius];
                    r += w * source[i];
                    g += w * source[i + 1];
                    b += w * source[i + 2];
                }

                target[x * 3] = r;
                target[x * 3 + 1] = g;
                target[x * 3 + 2] = b;
            }

            Report(progress, y, height, 0);
        }

        var result = new byte[rgba.Length];
        var sum = new float[stride];
        for (var y = 0; y < height; y++)
        {
            // Row by row, so that the inner loop runs along memory.
            Array.Clear(sum);
            for (var k = -radius; k <= radius; k++)
            {
                var row = horizontal.AsSpan(Math.Clamp(y + k, 0, height - 1) * stride, stride);
                var w = kernel[k + radius];
                for (var i = 0; i < stride; i++)
                {
                    sum[i] += w * row[i];
                }
            }

            var target = result.AsSpan(y * width * 4, width * 4);
            for (var x = 0; x < width; x++)
            {
                target[x * 4] = (byte)Math.Clamp(sum[x * 3] + 0.5f, 0, 255);
                target[x * 4 + 1] = (byte)Math.Clamp(sum[x * 3 + 1] + 0.5f, 0, 255);
                target[x * 4 + 2] = (byte)Math.Clamp(sum[x * 3 + 2] + 0.5f, 0, 255);
                target[x * 4 + 3] = rgba[(y * width + x) * 4 + 3];
            }

            Report(progress, y, height, 1);
        }

        return result;
    }

    /// <summary>The luma (0–255) of every pixel.</summary>
    public static float[] Luma(ReadOnlySpan<byte> rgba, int width, int height)
    {
        var luma = new float[width * height];
        for (var i = 0; i < luma.Length; i++)
        {
            luma[i] = 0.299f * rgba[i * 4] + 0.587f * rgba[i * 4 + 1] + 0.114f * rgba[i * 4 + 2];
        }

        return luma;
    }

    /// <summary>The share of pixels whose Sobel edge strength is over <see cref="EdgeThreshold"/> (the border excluded).</summary>
    public static double EdgeDensity(ReadOnlySpan<float> luma, int width, int height)
    {
        if (width < 3 || height < 3)
        {
            return 0;
        }

        long edges = 0;
        for (var y = 1; y < height - 1; y++)
        {
            var above = luma.Slice((y - 1) * width, width);
            var row = luma.Slice(y * width, width);
            var below = luma.Slice((y + 1) * width, width);
            for (var x = 1; x < width - 1; x++)
            {
                var gx = above[x + 1] + 2 * row[x + 1] + below[x + 1] - above[x - 1] - 2 * row[x - 1] - below[x - 1];
                var gy = below[x - 1] + 2 * below[x] + below[x + 1] - above[x - 1] - 2 * above[x] - above[x + 1];
                if (gx * gx + gy * gy > EdgeThreshold * EdgeThreshold)
                {
                    edges++;
                }
            }
        }

        return edges / (double)((width - 2) * (height - 2));
    }

    /// <summary>How many pixels have each luma value, 0 to 255.</summary>
    public static int[] Histogram(ReadOnlySpan<float> luma)
    {
        var bins = new int[256];
        foreach (var value in luma)
        {
            bins[Math.Clamp((int)value, 0, 255)]++;
        }

        return bins;
    }

    private static float[] Kernel(int radius)
    {
        var sigma = Math.Max(radius / 2.5, 0.5);
        var kernel = new float[2 * radius + 1];
        for (var k = -radius; k <= radius; k++)
        {
            kernel[k + radius] = (float)Math.Exp(-k * k / (2 * sigma * sigma));
        }

        var total = kernel.Sum();
        for (var i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= total;
        }

        return kernel;
    }

    private static void Report(Action<double>? progress, int row, int height, int pass)
    {
        // About fifty reports per image: enough for a smooth bar, few enough to cost nothing.
        if (progress is not null && (row + 1) % Math.Max(height / 25, 1) == 0)
        {
            progress((pass + (row + 1) / (double)height) / 2);
        }
    }
}
