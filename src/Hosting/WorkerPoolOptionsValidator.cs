using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Offload.Hosting;

/// <summary>
/// Checks the hosted pool's options when the host starts, with the rules the pool itself applies
/// (<see cref="WorkerPoolOptions.Validate"/>), and names the setting, its configuration key and its value.
/// </summary>
internal sealed class WorkerPoolOptionsValidator(WorkerPoolConfigurationPaths paths) : IValidateOptions<WorkerPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerPoolOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // The pool's own message names the property and its value; the key says where in configuration it came from.
            var property = ex.ParamName ?? "?";
            var keys = paths.Paths.Select(path => $"'{ConfigurationPath.Combine(path, property)}'").ToArray();
            var where = keys.Length == 0
                ? $"WorkerPoolOptions.{property}"
                : $"{string.Join(" or ", keys)} (WorkerPoolOptions.{property})";
            return ValidateOptionsResult.Fail($"{where}: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }
}
