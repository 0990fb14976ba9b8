namespace Hmm.Spec.Actors.Tests.Bundles;

/// <summary>Coyote 1.7.11 reproducible traces for bundle tests: the shape Coyote writes, and the repository's real bundles.</summary>
internal static class SampleTrace
{
    /// <summary>A minimal trace of the shape Coyote writes (every setting present, two scheduling decisions).</summary>
    public const string Json = """
        {"TestName":"","CoyoteVersion":"1.7.11.0","Settings":{"Strategy":"prioritization","StrategyBound":10,"Seed":9,
         "MaxFairSchedulingSteps":7000,"MaxUnfairSchedulingSteps":700,"TimeoutDelay":10,"DeadlockTimeout":1000,"PortfolioMode":"none",
         "IsLivenessCheckingEnabled":true,"LivenessTemperatureThreshold":3500,"IsCollectionAccessRaceCheckingEnabled":true,
         "IsLockAccessRaceCheckingEnabled":true,"IsAtomicOperationRaceCheckingEnabled":true,"IsVolatileOperationRaceCheckingEnabled":true,
         "IsMemoryAccessRaceCheckingEnabled":false,"IsControlFlowRaceCheckingEnabled":false,"IsPartiallyControlledConcurrencyAllowed":true,
         "IsPartiallyControlledDataNondeterminismAllowed":true,"UncontrolledConcurrencyResolutionAttempts":10,"UncontrolledConcurrencyResolutionDelay":1000},
         "Steps":["op(0:2654435832),sp(Write),next(0:2654435832)","op(0:2654435832),sp(Create),next(1:2654435833)"]}
        """;

    /// <summary>The repository's directory (where Hmm.Spec.sln is).</summary>
    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Hmm.Spec.sln")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Hmm.Spec.sln not found above the test binaries");
        return dir;
    }

    /// <summary>A committed bundle whose bug reproduces on its own variant (fault-vs-fault, seed).</summary>
    public static string RealBundlePath() => Path.Combine(RepoRoot(), "traces", "fault-vs-fault.seed.probabilistic.s1.hmmtrace.json");
}
