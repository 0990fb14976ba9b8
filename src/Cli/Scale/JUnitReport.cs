using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// A JUnit XML report (the format GitHub and GitLab show natively): one <c>testcase</c> per unit, classname
/// <c>command/scenario</c> and name <c>variant/strategy/seeds</c> (verify: <c>variant/K&lt;=K/part p of P</c>); a unit
/// that found a bug fails with its category, message and bundle path; an incomplete one is skipped; one whose
/// worker failed twice is an error.
/// </summary>
internal static class JUnitReport
{
    public static string Render(string command, IReadOnlyList<WorkUnit> units, IReadOnlyList<UnitOutcome> outcomes, string? bundleNote = null)
    {
        static string Seconds(long ms) => (ms / 1000.0).ToString("F3", CultureInfo.InvariantCulture);
        var cases = new List<XElement>();
        foreach (var (unit, outcome) in units.Zip(outcomes))
        {
            var c = new XElement("testcase",
                new XAttribute("classname", unit.ClassName),
                new XAttribute("name", unit.TestName),
                new XAttribute("time", Seconds(outcome.ElapsedMs)));
            switch (outcome.Status)
            {
                case UnitStatus.Bug:
                    var first = outcome.Bugs[0];
                    var body = new StringBuilder();
                    foreach (var bug in outcome.Bugs)
                    {
                        body.AppendLine(bug.Message);
                        if (bug.BundlePath is not null)
                            body.AppendLine($"bundle: {bug.BundlePath}  (hmm-spec replay {bug.BundlePath})");
                        else if (bug.BundleText is not null)
                            body.AppendLine($"bundle: {bundleNote ?? "not written: another unit's bug of this scenario comes first in the search order"}");
                    }
                    c.Add(new XElement("failure", new XAttribute("message", Clean(first.Message)), new XAttribute("type", first.Category), Clean(body.ToString())));
                    break;
                case UnitStatus.Incomplete:
                    c.Add(new XElement("skipped", new XAttribute("message", "incomplete: the time budget ran out, or executions passed the step bound")));
                    break;
                case UnitStatus.Error:
                    c.Add(new XElement("error", new XAttribute("message", Clean(outcome.Error ?? "error")), new XAttribute("type", "worker-failure")));
                    break;
            }
            cases.Add(c);
        }
        int Count(string status) => outcomes.Count(o => o.Status == status);
        var time = Seconds(outcomes.Sum(o => o.ElapsedMs));
        var suite = new XElement("testsuite",
            new XAttribute("name", command),
            new XAttribute("tests", units.Count),
            new XAttribute("failures", Count(UnitStatus.Bug)),
            new XAttribute("errors", Count(UnitStatus.Error)),
            new XAttribute("skipped", Count(UnitStatus.Incomplete)),
            new XAttribute("time", time),
            cases);
        var root = new XElement("testsuites",
            new XAttribute("name", $"hmm-spec {command}"),
            new XAttribute("tests", units.Count),
            new XAttribute("failures", Count(UnitStatus.Bug)),
            new XAttribute("errors", Count(UnitStatus.Error)),
            new XAttribute("skipped", Count(UnitStatus.Incomplete)),
            new XAttribute("time", time),
            suite);
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + root + "\n";
    }

    /// <summary>XML 1.0 cannot hold most control characters, even escaped.</summary>
    private static string Clean(string s) =>
        new(s.Select(ch => ch is '\t' or '\n' or '\r' || (ch >= ' ' && ch != '\uFFFE' && ch != '\uFFFF') ? ch : '?').ToArray());
}
