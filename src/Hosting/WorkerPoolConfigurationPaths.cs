namespace Offload.Hosting;

/// <summary>The configuration sections the pool's options were bound from, so that a validation error names the key.</summary>
internal sealed class WorkerPoolConfigurationPaths
{
    private readonly List<string> _paths = [];

    public IReadOnlyList<string> Paths => _paths;

    public void Add(string path)
    {
        if (!_paths.Contains(path, StringComparer.OrdinalIgnoreCase))
        {
            _paths.Add(path);
        }
    }
}
