using System.CommandLine;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Actors.Stress;
using Hmm.Spec.Oracle.Ops;
using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Cli.Commands;

/// <summary>
/// <c>hmm-spec stress</c>: the scenario's actors on real threads, many runs, no Coyote; prints how many runs hit
/// which bug. Exit 1 when any run hit a bug, 0 when every run was clean.
/// </summary>
internal static class StressCommand
{
    public static Command Create(CliContext ctx)
    {
        var scenario = new Option<string>("--scenario") { Description = "Built-in scenario name or scenario file", Required = true };
        var variant = new Option<string?>("--variant") { Description = "Kernel variant (default: the scenario's, else seed)" };
        var runs = new Option<int>("--runs") { Description = "Number of runs", DefaultValueFactory = _ => 1000 };
        var seconds = new Option<double>("--seconds") { Description = "Stop after this many seconds", DefaultValueFactory = _ => 30 };
        var command = new Command("stress", "Run a scenario many times on real threads without Coyote and count the bugs hit")
        {
            scenario, variant, runs, seconds,
        };
        command.SetAction(parse =>
        {
            var n = parse.GetValue(runs);
            if (n < 1) throw new InputError("--runs", $"must be at least 1, found {n}");
            var s = parse.GetValue(seconds);
            if (!double.IsFinite(s) || s <= 0) throw new InputError("--seconds", $"must be a positive number of seconds, found {s}");
            var plan = ScenarioPlan.Create(BuiltinScenarios.Resolve(parse.GetValue(scenario)!), parse.GetValue(variant));
            var r = new StressRunner(ctx.Loggers.CreateLogger("stress")).Run(plan, n, s);
            ctx.Out.WriteLine($"{r.Scenario} [{r.Variant}]: {r.Runs} run(s) on real threads in {r.ElapsedMs} ms: {r.Clean} clean" +
                              string.Concat(r.Bugs.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => $", {b.Value} {b.Key}")));
            if (r.FirstMessage is not null)
                ctx.Out.WriteLine($"  first: {r.FirstMessage}");
            return r.Bugs.Count > 0 ? Cli.ExitBug : Cli.ExitOk;
        });
        return command;
    }
}
