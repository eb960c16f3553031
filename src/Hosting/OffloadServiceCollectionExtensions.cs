using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload;
using Offload.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an Offload <see cref="WorkerPool"/> that lives and dies with the host.</summary>
public static class OffloadServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="WorkerPool"/>, resolvable as <see cref="WorkerPool"/> and <see cref="IWorkerPool"/>, whose
    /// workers start and warm up when the host starts and are drained when it stops (killed once the host's shutdown
    /// timeout runs out). While the host runs, the companions called without a pool use it (<see cref="WorkerPool.Shared"/>).
    /// Its options are validated when the host starts; its logger factory is the host's unless one is set.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the pool's options; <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddOffload(this IServiceCollection services, Action<WorkerPoolOptions>? configure = null)
    {
        var options = AddCore(services, configurationPath: null);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    /// <summary>
    /// Registers the pool as <see cref="AddOffload(IServiceCollection, Action{WorkerPoolOptions}?)"/> does, with its options
    /// bound from <paramref name="configuration"/> (a section such as <c>builder.Configuration.GetSection("Offload")</c>,
    /// whose keys are the names of <see cref="WorkerPoolOptions"/>' properties). A key that names no property, a value
    /// that does not convert, and a value out of range fail the host's start with a message that names the key.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <param name="configure">Sets options after binding (code wins over configuration); <see langword="null"/> for none.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddOffload(this IServiceCollection services, IConfiguration configuration, Action<WorkerPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = AddCore(services, (configuration as IConfigurationSection)?.Path);
        options.Bind(configuration, static binder => binder.ErrorOnUnknownConfiguration = true);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    /// <summary>
    /// Registers the pool as <see cref="AddOffload(IServiceCollection, IConfiguration, Action{WorkerPoolOptions}?)"/> does,
    /// with its options bound from the section at <paramref name="configSectionPath"/> (<c>"Offload"</c>, say) of the
    /// application's <see cref="IConfiguration"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configSectionPath">The section's path, with <c>:</c> between levels.</param>
    /// <param name="configure">Sets options after binding (code wins over configuration); <see langword="null"/> for none.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddOffload(this IServiceCollection services, string configSectionPath, Action<WorkerPoolOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configSectionPath);
        var options = AddCore(services, configSectionPath);
        options.BindConfiguration(configSectionPath, static binder => binder.ErrorOnUnknownConfiguration = true);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    private static OptionsBuilder<WorkerPoolOptions> AddCore(IServiceCollection services, string? configurationPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        var paths = services.FirstOrDefault(static d => d.ServiceType == typeof(WorkerPoolConfigurationPaths))?.ImplementationInstance as WorkerPoolConfigurationPaths;
        var options = services.AddOptions<WorkerPoolOptions>();
        if (paths is null)
        {
            // First call: what is registered once. Later calls add their settings to the same pool.
            paths = new WorkerPoolConfigurationPaths();
            services.AddSingleton(paths);
            options
                .PostConfigure<IServiceProvider>(static (o, provider) => o.LoggerFactory ??= provider.GetService<ILoggerFactory>())
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerPoolOptions>, WorkerPoolOptionsValidator>());
            services.TryAddSingleton(static provider => new WorkerPool(provider.GetRequiredService<IOptions<WorkerPoolOptions>>().Value));
            services.TryAddSingleton<IWorkerPool>(static provider => provider.GetRequiredService<WorkerPool>());
            services.AddHostedService<WorkerPoolHostedService>();
        }

        if (configurationPath is not null)
        {
            paths.Add(configurationPath);
        }

        return options;
    }
}
