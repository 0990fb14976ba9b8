using System.Reflection;

namespace Hmm.Spec.Actors.Exploration;

/// <summary>Versions written into trace bundles and compared on replay.</summary>
public static class ModelInfo
{
    /// <summary>The model version (Directory.Build.props HmmModelVersion): a bundle from another one cannot replay.</summary>
    public static int ModelVersion { get; } = int.Parse(
        typeof(ModelInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "HmmModelVersion").Value!, System.Globalization.CultureInfo.InvariantCulture);

    public static string ToolVersion { get; } =
        typeof(ModelInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ModelInfo).Assembly.GetName().Version!.ToString();
}
