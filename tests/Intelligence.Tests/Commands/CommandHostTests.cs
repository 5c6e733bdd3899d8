using Intelligence.Commands;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Intelligence.Tests.Commands;

/// <summary>The operator commands build their own host (no web server): everything they resolve must be registered there.</summary>
public sealed class CommandHostTests
{
    [Fact]
    public void TheCommandsHost_ResolvesWhatTrainModelsAndExportUse()
    {
        // A store that is not there: resolving services must not need it (connections are made lazily).
        using var host = IntelligenceCommands.BuildHost("127.0.0.1:1,abortConnect=false,connectTimeout=100");
        Assert.NotNull(host.Services.GetRequiredService<TrainingJobs>());
        Assert.NotNull(host.Services.GetRequiredService<ModelRegistry>());
        Assert.NotNull(host.Services.GetRequiredService<HistoryReader>());
        Assert.NotNull(host.Services.GetRequiredService<ModelHost>());
    }
}
