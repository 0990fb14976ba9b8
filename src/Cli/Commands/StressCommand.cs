using System.CommandLine;
using Hmm.Spec.Actors.Harness;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Cli.Scale;
using Hmm.Spec.Input;
using Hmm.Spec.Oracle.Ops;

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
        var scale = new ScaleOptions(command, junit: false);
        command.SetAction(parse =>
        {
            var n = parse.GetValue(runs);
            if (n < 1) throw new InputError("--runs", $"must be at least 1, found {n}");
            var s = parse.GetValue(seconds);
            if (!double.IsFinite(s) || s <= 0) throw new InputError("--seconds", $"must be a positive number of seconds, found {s}");
            var plan = ScenarioPlan.Create(BuiltinScenarios.Resolve(parse.GetValue(scenario)!), parse.GetValue(variant));
            var work = new StressWork(plan, n, s);
            if (ctx.Worker)
                return ScaleRun.Execute(ctx, parse, work, new ScaleSettings(1, null, null, null), new ReduceSettings(), false);
            return ScaleRun.Execute(ctx, parse, work, scale.Parse(parse), new ReduceSettings(), false);
        });
        return command;
    }
}
