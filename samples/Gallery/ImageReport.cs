using MemoryPack;

namespace Offload.Samples.Gallery;

/// <summary>What a worker found in one image.</summary>
/// <param name="Name">The image's name.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Bytes">Size of its RGBA pixels, in bytes.</param>
/// <param name="MeanLuma">Mean brightness of the blurred image, 0 to 1.</param>
/// <param name="Contrast">Standard deviation of the blurred image's luma, 0 to 1.</param>
/// <param name="EdgeDensity">Share of the blurred image's pixels on an edge.</param>
/// <param name="Hash">The first 8 bytes of the SHA-256 of the blurred pixels, in hex.</param>
/// <param name="ElapsedMilliseconds">Time the worker spent on it.</param>
/// <param name="WorkerId">The worker that did it (0 in-process).</param>
[MemoryPackable]
public sealed partial record ImageReport(
    string Name,
    int Width,
    int Height,
    long Bytes,
    double MeanLuma,
    double Contrast,
    double EdgeDensity,
    string Hash,
    double ElapsedMilliseconds,
    int WorkerId);
