using System.CommandLine;
using Hmm.Spec.Actors.Scenarios;
using Hmm.Spec.Model;

namespace Hmm.Spec.Cli.Commands;

/// <summary><c>hmm-spec list scenarios|variants</c>.</summary>
internal static class ListCommand
{
    public static Command Create(CliContext ctx)
    {
        var scenarios = new Command("scenarios", "Built-in scenarios with their descriptions");
        scenarios.SetAction(_ =>
        {
            foreach (var s in BuiltinScenarios.LoadAll())
                ctx.Out.WriteLine($"{s.Name,-40} {s.Description}");
            return Cli.ExitOk;
        });
        var variants = new Command("variants", "Kernel variants: the seed, each upstream fix, upstream, and the mutants. Fix steps branch per path: \"(on X)\" names the variant a step is built on, the previous step of its own path or seed; upstream has every path's last step");
        variants.SetAction(_ =>
        {
            foreach (var v in KernelVariants.All)
                ctx.Out.WriteLine($"{v.Name,-36} {(v.Base is null ? "" : $"(on {v.Base}) ")}{(v.Commit is null ? "" : $"[{v.Commit}] ")}{v.Description}");
            return Cli.ExitOk;
        });
        return new Command("list", "List built-in scenarios or kernel variants") { scenarios, variants };
    }
}
