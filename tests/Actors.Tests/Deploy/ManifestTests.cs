using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Hmm.Spec.Actors.Tests.Deploy;

/// <summary>Reads YAML documents as plain trees, with lookups that fail with the path that was missing.</summary>
internal static class Yaml
{
    public static List<YamlMappingNode> Documents(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
            stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlNode? Find(this YamlNode node, string path)
    {
        YamlNode? current = node;
        foreach (var key in path.Split('.'))
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out current))
                return null;
        }
        return current;
    }

    public static YamlNode Get(this YamlNode node, string path) =>
        node.Find(path) ?? throw new Xunit.Sdk.XunitException($"missing {path}");

    public static YamlMappingNode Map(this YamlNode node, string path) =>
        node.Get(path) as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"{path} is not a mapping");

    public static IReadOnlyList<YamlNode> Seq(this YamlNode node, string path) =>
        (node.Get(path) as YamlSequenceNode ?? throw new Xunit.Sdk.XunitException($"{path} is not a sequence")).Children.ToList();

    public static string Str(this YamlNode node, string path) =>
        (node.Get(path) as YamlScalarNode ?? throw new Xunit.Sdk.XunitException($"{path} is not a scalar")).Value!;

    public static string? StrOrNull(this YamlNode node, string path) => (node.Find(path) as YamlScalarNode)?.Value;

    public static int Int(this YamlNode node, string path) => int.Parse(node.Str(path), System.Globalization.CultureInfo.InvariantCulture);

    public static List<string> Strings(this YamlNode node, string path) =>
        node.Seq(path).Select(n => ((YamlScalarNode)n).Value!).ToList();

    /// <summary>A container's env list as name → value.</summary>
    public static Dictionary<string, string> Env(this YamlNode container) =>
        container.Seq("env").ToDictionary(e => e.Str("name"), e => e.Str("value"));

    /// <summary>A mapping of scalars (a GitHub Actions env block) as name → value.</summary>
    public static Dictionary<string, string> Scalars(this YamlNode node, string path) =>
        node.Map(path).Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);
}

/// <summary>
/// deploy/kubernetes: an Indexed Job whose pods each run one shard (JOB_COMPLETION_INDEX) into a shared volume,
/// and a merge Job that waits for it and merges. Structure and wiring checked here; the pods' entry path is run
/// with the variables Kubernetes sets.
/// </summary>
public sealed class KubernetesManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hmm-k8s-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string KubeDir => DeployScripts.DeployPath("kubernetes");

    private static List<YamlMappingNode> All() =>
        Directory.GetFiles(KubeDir, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(Yaml.Documents).ToList();

    private static YamlMappingNode Object(string kind, string name) =>
        All().Should().ContainSingle(d => d.StrOrNull("kind") == kind && d.StrOrNull("metadata.name") == name, $"one {kind} {name}").Subject;

    private static YamlMappingNode ShardsJob => Object("Job", "hmm-spec-shards");
    private static YamlMappingNode MergeJob => Object("Job", "hmm-spec-merge");

    private static YamlNode OnlyContainer(YamlNode job) =>
        job.Seq("spec.template.spec.containers").Should().ContainSingle().Subject;

    [Fact]
    public void The_shards_are_an_indexed_job_whose_completions_are_the_shard_count()
    {
        var job = ShardsJob;
        job.Str("apiVersion").Should().Be("batch/v1");
        job.Str("spec.completionMode").Should().Be("Indexed");
        var completions = job.Int("spec.completions");
        completions.Should().BeGreaterThan(0);
        job.Int("spec.parallelism").Should().BeInRange(1, completions);
        job.Str("spec.template.spec.restartPolicy").Should().Be("Never");

        var container = OnlyContainer(job);
        container.Strings("command")[0].Should().Be("run-shard.sh", "the image's entry script reads JOB_COMPLETION_INDEX");
        var env = container.Env();
        env["HMM_SPEC_SHARDS"].Should().Be(completions.ToString(), "run-shard.sh needs the Job's completions count");
        env.Should().NotContainKey("JOB_COMPLETION_INDEX", "Kubernetes sets it in every pod of an Indexed Job");
        env.Should().NotContainKey("HMM_SPEC_SHARD", "a second shard source would be ambiguous");
        env["HMM_SPEC_KEEP_GOING"].Should().Be("1", "a shard that found a bug must not be retried nor fail the Job");
        env["HMM_SPEC_JOBS"].Should().Be(container.Str("resources.requests.cpu"), "one worker per CPU the pod asks for");
    }

    [Fact]
    public void Shards_and_merge_mount_the_same_read_write_many_claim_where_the_results_go()
    {
        var pvc = All().Should().ContainSingle(d => d.StrOrNull("kind") == "PersistentVolumeClaim").Subject;
        pvc.Strings("spec.accessModes").Should().Contain("ReadWriteMany", "shard pods on different nodes write at once");
        var claim = pvc.Str("metadata.name");

        foreach (var job in new[] { ShardsJob, MergeJob })
        {
            var container = OnlyContainer(job);
            var resultsDir = container.Env()["HMM_SPEC_RESULTS_DIR"];
            var mount = container.Seq("volumeMounts").Should().ContainSingle(m => m.Str("mountPath") == resultsDir,
                $"{job.Str("metadata.name")} mounts a volume at HMM_SPEC_RESULTS_DIR").Subject;
            var volume = job.Seq("spec.template.spec.volumes").Should().ContainSingle(v => v.Str("name") == mount.Str("name")).Subject;
            volume.Str("persistentVolumeClaim.claimName").Should().Be(claim);
        }
        OnlyContainer(ShardsJob).Env()["HMM_SPEC_RESULTS_DIR"].Should().Be(OnlyContainer(MergeJob).Env()["HMM_SPEC_RESULTS_DIR"]);
    }

    [Fact]
    public void The_merge_job_waits_for_the_shards_job_to_end_and_merges_all_of_its_shards()
    {
        var merge = MergeJob;
        merge.Find("spec.completionMode").Should().BeNull("the merge is one pod");
        merge.Int("spec.backoffLimit").Should().Be(0, "a bug found (exit 1) is the answer, not a fault to retry");

        var shardsEnv = OnlyContainer(ShardsJob).Env();
        var container = OnlyContainer(merge);
        container.Strings("command")[0].Should().Be("merge.sh");
        var env = container.Env();
        env["HMM_SPEC_SHARDS"].Should().Be(ShardsJob.Str("spec.completions"), "merge expects every index of the Indexed Job");
        env["HMM_SPEC_RUN_NAME"].Should().Be(shardsEnv["HMM_SPEC_RUN_NAME"]);
        shardsEnv["HMM_SPEC_RUN_NAME"].Should().Be(OnlyContainer(ShardsJob).Strings("command")[1], "the result name is the command's");

        // The dependency: an init container that waits until the shards Job is Complete or Failed (afterany).
        var wait = merge.Seq("spec.template.spec.initContainers").Should().ContainSingle().Subject;
        var script = string.Join(" ", wait.Strings("command"));
        script.Should().Contain($"kubectl get job {ShardsJob.Str("metadata.name")}");
        script.Should().Contain("Complete").And.Contain("Failed");

        // ... which may read Jobs: its service account is bound to a role that allows it.
        var account = merge.Str("spec.template.spec.serviceAccountName");
        Object("ServiceAccount", account);
        var binding = All().Should().ContainSingle(d => d.StrOrNull("kind") == "RoleBinding"
            && d.Seq("subjects").Any(s => s.Str("kind") == "ServiceAccount" && s.Str("name") == account)).Subject;
        var role = Object("Role", binding.Str("roleRef.name"));
        role.Seq("rules").Should().Contain(r => r.Strings("apiGroups").Contains("batch") && r.Strings("resources").Contains("jobs")
            && r.Strings("verbs").Contains("get"));
    }

    [Fact]
    public void The_kustomization_applies_every_manifest()
    {
        var k = Yaml.Documents(Path.Combine(KubeDir, "kustomization.yaml")).Single();
        k.Strings("resources").Should().BeEquivalentTo(
            Directory.GetFiles(KubeDir, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml"));
    }

    [BashFact]
    public void Every_pod_of_the_indexed_job_runs_its_own_shard_through_the_entry_script()
    {
        var job = ShardsJob;
        var n = job.Int("spec.completions");
        var command = OnlyContainer(job).Strings("command");
        var env = OnlyContainer(job).Env();
        var dir = env["HMM_SPEC_RESULTS_DIR"];
        var commands = new List<string>();
        for (var i = 0; i < n; i++)
        {
            var podEnv = new Dictionary<string, string>(env) { ["JOB_COMPLETION_INDEX"] = i.ToString() };
            var line = DeployScripts.RunShard(podEnv, [.. command.Skip(1)]).Command;
            line.Should().EndWith($"--shard {i}/{n} --results {dir}/{env["HMM_SPEC_RUN_NAME"]}.shard-{i}-of-{n}.json");
            commands.Add(line);
        }
        commands.Should().OnlyHaveUniqueItems();
    }

    [BashFact]
    public void The_merge_pod_merges_exactly_the_files_the_shard_pods_write()
    {
        var n = ShardsJob.Int("spec.completions");
        var env = OnlyContainer(MergeJob).Env();
        foreach (var i in Enumerable.Range(0, n))
            File.WriteAllText(Path.Combine(_dir, $"{env["HMM_SPEC_RUN_NAME"]}.shard-{i}-of-{n}.json"), "{}");
        File.WriteAllText(Path.Combine(_dir, $"{env["HMM_SPEC_RUN_NAME"]}.shard-0-of-{n + 1}.json"), "{}"); // another run's
        var mergeEnv = DeployScripts.DryRun(new Dictionary<string, string>(env) { ["HMM_SPEC_RESULTS_DIR"] = _dir });
        var args = OnlyContainer(MergeJob).Strings("command").Skip(1).ToArray();
        var line = DeployScripts.Run(DeployScripts.DeployPath("merge.sh"), mergeEnv, args).Command;
        var files = Regex.Matches(line, @"\S+\.shard-\d+-of-\d+\.json").Select(m => Path.GetFileName(m.Value)).ToList();
        files.Should().BeEquivalentTo(Enumerable.Range(0, n).Select(i => $"{env["HMM_SPEC_RUN_NAME"]}.shard-{i}-of-{n}.json"));
        line.Should().StartWith("hmm-spec merge " + string.Join(" ", args) + $" --out {_dir}/bundles ",
            "merge writes the bundles beside the results unless told otherwise");

        // An --out of the user's wins.
        line = DeployScripts.Run(DeployScripts.DeployPath("merge.sh"), mergeEnv, ["--out", "/elsewhere"]).Command;
        line.Should().StartWith("hmm-spec merge --out /elsewhere ").And.NotContain("bundles");
    }

    [BashFact]
    public void Merge_with_no_shard_results_is_one_line_and_exit_2()
    {
        var r = DeployScripts.Run(DeployScripts.DeployPath("merge.sh"), new Dictionary<string, string>
        {
            ["HMM_SPEC_RUN_NAME"] = "explore", ["HMM_SPEC_SHARDS"] = "4", ["HMM_SPEC_RESULTS_DIR"] = _dir,
        }, []);
        r.ShouldBeRejected("no shard results", "explore.shard-*-of-4.json");
        DeployScripts.Run(DeployScripts.DeployPath("merge.sh"), new Dictionary<string, string> { ["HMM_SPEC_SHARDS"] = "4" }, [])
            .ShouldBeRejected("HMM_SPEC_RUN_NAME");
        DeployScripts.Run(DeployScripts.DeployPath("merge.sh"), new Dictionary<string, string> { ["HMM_SPEC_RUN_NAME"] = "x", ["HMM_SPEC_SHARDS"] = "0" }, [])
            .ShouldBeRejected("HMM_SPEC_SHARDS");
    }
}

/// <summary>
/// deploy/github-actions: a matrix of shard jobs uploading their results as artifacts, and a merge job
/// (needs: the matrix) that downloads them, merges and publishes the JUnit file. The shard step is run with the
/// values the matrix gives each job.
/// </summary>
public sealed class GitHubWorkflowTests
{
    private static YamlMappingNode Workflow() =>
        Yaml.Documents(DeployScripts.DeployPath("github-actions", "hmm-spec-sharded.yml")).Single();

    private static IReadOnlyList<YamlNode> Steps(string job) => Workflow().Seq($"jobs.{job}.steps");

    private static YamlNode Step(string job, Func<YamlNode, bool> match, string what) =>
        Steps(job).Should().ContainSingle(s => match(s), what).Subject;

    private static bool Uses(YamlNode step, string action) =>
        step.StrOrNull("uses")?.StartsWith(action + "@", StringComparison.Ordinal) == true;

    private static List<string> MatrixShards()
    {
        var matrix = Workflow().Map("jobs.shard.strategy.matrix");
        matrix.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Should().Equal(["shard"],
            "one matrix dimension, so strategy.job-total is the shard count");
        return Workflow().Strings("jobs.shard.strategy.matrix.shard");
    }

    [Fact]
    public void The_matrix_lists_each_shard_once_from_zero_and_does_not_fail_fast()
    {
        var shards = MatrixShards();
        shards.Should().Equal(Enumerable.Range(0, shards.Count).Select(i => i.ToString()));
        Workflow().Str("jobs.shard.strategy.fail-fast").Should().Be("false", "a shard that finds a bug must not cancel the others");
        var env = Workflow().Scalars("jobs.shard.env");
        env["HMM_SPEC_SHARD"].Should().Be("${{ matrix.shard }}");
        env["HMM_SPEC_SHARDS"].Should().Be("${{ strategy.job-total }}");
        env["HMM_SPEC_KEEP_GOING"].Should().Be("1");
    }

    [Fact]
    public void Each_shard_uploads_its_results_and_the_merge_job_downloads_them_all()
    {
        var shardEnv = Workflow().Scalars("jobs.shard.env");
        var upload = Step("shard", s => Uses(s, "actions/upload-artifact"), "one upload");
        upload.Str("if").Should().Contain("always()");
        upload.Str("with.name").Should().Contain("${{ matrix.shard }}", "one artifact per shard");
        upload.Str("with.path").TrimEnd('/').Should().Be(shardEnv["HMM_SPEC_RESULTS_DIR"]);

        var merge = Workflow().Map("jobs.merge");
        var needs = merge.Get("needs");
        (needs is YamlScalarNode s ? [s.Value!] : merge.Strings("needs")).Should().Contain("shard");
        merge.Str("if").Should().Contain("always()", "merge runs after any end of the shards (afterany), and names missing ones");

        var download = Step("merge", s => Uses(s, "actions/download-artifact"), "one download");
        var prefix = upload.Str("with.name").Replace("${{ matrix.shard }}", "");
        download.Str("with.pattern").Should().Be(prefix + "*");
        download.Str("with.merge-multiple").Should().Be("true");
        var mergeEnv = Workflow().Scalars("jobs.merge.env");
        download.Str("with.path").Should().Be(mergeEnv["HMM_SPEC_RESULTS_DIR"]);
        mergeEnv["HMM_SPEC_SHARDS"].Should().Be(MatrixShards().Count.ToString(), "merge expects every shard of the matrix");
        mergeEnv["HMM_SPEC_RUN_NAME"].Should().Be(shardEnv["HMM_SPEC_RUN_NAME"]);
    }

    [Fact]
    public void The_merge_writes_junit_and_the_workflow_publishes_that_file()
    {
        var run = Step("merge", s => s.StrOrNull("run")?.Contains("deploy/merge.sh") == true, "one merge step").Str("run");
        var junit = Regex.Match(run, @"--junit\s+(\S+)");
        junit.Success.Should().BeTrue($"the merge passes --junit: {run}");
        var report = Step("merge", s => Uses(s, "dorny/test-reporter"), "one JUnit report step");
        report.Str("with.path").Should().Be(junit.Groups[1].Value);
        report.Str("with.reporter").Should().Be("java-junit");
        report.Str("if").Should().Contain("always()", "a merged bug (exit 1) is exactly when the report matters");
        Workflow().Str("jobs.merge.permissions.checks").Should().Be("write", "the reporter publishes a check run");
    }

    [BashFact]
    public void Every_matrix_job_runs_its_own_shard_through_the_entry_script()
    {
        var shards = MatrixShards();
        var env = Workflow().Scalars("jobs.shard.env");
        var run = Step("shard", s => s.StrOrNull("run")?.Contains("deploy/run-shard.sh") == true, "one shard step").Str("run");
        foreach (var shard in shards)
        {
            // What the runner does: expressions replaced by the matrix values, then the step's script in bash.
            var jobEnv = env.ToDictionary(kv => kv.Key, kv => kv.Value
                .Replace("${{ matrix.shard }}", shard)
                .Replace("${{ strategy.job-total }}", shards.Count.ToString()));
            jobEnv.Values.Should().NotContain(v => v.Contains("${{"), "every expression of the env is one the test knows");
            var line = DeployScripts.Run(run, DeployScripts.DryRun(jobEnv), [], viaShell: true).Command;
            line.Should().StartWith(env["HMM_SPEC"] + " explore ");
            line.Should().EndWith($"--shard {shard}/{shards.Count} --results {env["HMM_SPEC_RESULTS_DIR"]}/{env["HMM_SPEC_RUN_NAME"]}.shard-{shard}-of-{shards.Count}.json");
        }
    }
}

/// <summary>deploy/Dockerfile: a multi-stage build, SDK to runtime, with the entry scripts on PATH.</summary>
public sealed class DockerfileTests
{
    [Fact]
    public void The_image_is_built_with_the_sdk_and_runs_on_the_runtime_with_the_entry_scripts()
    {
        var lines = File.ReadAllLines(DeployScripts.DeployPath("Dockerfile")).Where(l => !l.TrimStart().StartsWith('#')).ToList();
        var froms = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        froms.Should().HaveCount(2);
        froms[0].Should().StartWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build");
        froms[1].Should().StartWith("FROM mcr.microsoft.com/dotnet/runtime:10.0");
        lines.Should().Contain(l => l.Contains("dotnet build -c Release src/Cli"), "the build that rewrites for Coyote");
        lines.Should().Contain("COPY --from=build /app /app");
        lines.Should().Contain(l => l.StartsWith("COPY deploy/run-shard.sh deploy/merge.sh /usr/local/bin/", StringComparison.Ordinal),
            "the Kubernetes manifests call run-shard.sh and merge.sh by name");
        File.Exists(DeployScripts.DeployPath("Dockerfile.dockerignore")).Should().BeTrue();
    }
}
