using MemoryPack;

namespace Offload.Samples.Gallery;

/// <summary>What a worker found in one tile of the big image, streamed back as soon as the tile is done.</summary>
/// <param name="Row">The tile's row.</param>
/// <param name="Column">The tile's column.</param>
/// <param name="MeanLuma">Mean brightness, 0 to 1.</param>
/// <param name="EdgeDensity">Share of the blurred tile's pixels on an edge.</param>
/// <param name="WorkerId">The worker that did it.</param>
[MemoryPackable]
public sealed partial record TileReport(int Row, int Column, double MeanLuma, double EdgeDensity, int WorkerId);
