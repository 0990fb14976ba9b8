using System.Text.Json;
using System.Text.RegularExpressions;
using Hmm.Spec.Actors.Bundles;
using Hmm.Spec.Actors.Input;
using Hmm.Spec.Input;
using Hmm.Spec.Model;
using Hmm.Spec.Oracle.Ops;

namespace Hmm.Spec.Actors.Scenarios;

/// <summary>
/// Strict reader of scenario files (docs/scenario-format.md, docs/scenario.schema.json). Every problem is an
/// <see cref="InputError"/> whose place starts with the file name, then the JSON path.
/// </summary>
public static partial class ScenarioLoader
{
    /// <summary>
    /// Kconfig symbols a scenario may set: the four seed symbols and the symbols of the <see cref="Kconfig"/> graph
    /// between them (ZONE_DEVICE, MEMORY_HOTREMOVE, MEMORY_HOTPLUG, SPARSEMEM_VMEMMAP).
    /// </summary>
    public static readonly IReadOnlyList<string> ConfigSymbols = Kconfig.Settable;

    private static readonly string[] TopFields =
        ["format", "version", "name", "description", "variant", "config", "machine", "fault_retry_limit", "track_dirty", "setup", "actors", "final"];
    private static readonly string[] MachineFields = ["ram_pages", "device_pages", "device_start_pfn"];
    private static readonly string[] ActorFields = ["name", "ops"];
    private static readonly string[] ReservedActorNames = ["setup", "final"];

    /// <summary>Upper bounds that keep one iteration small enough to explore.</summary>
    public const int MaxPages = 4096, MaxActors = 16, MaxOpsPerList = 256;

    /// <summary>
    /// Pfns exist below 2^34: x86-64's 46 physical address bits (MAX_PHYSMEM_BITS with 4-level paging) in 4 KiB
    /// pages. <c>device_start_pfn</c>, <c>pfn</c> and <c>start_pfn</c> ranges must end at or below it.
    /// </summary>
    public const long MaxPfn = 1L << 34;

    /// <summary>Longest scenario, actor and file name: a bundle's file name (name.variant.strategy.sSEED) must fit NAME_MAX.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Bounds of <c>fault_retry_limit</c> (the livelock bound of one access).</summary>
    public const int MinFaultRetryLimit = 1, MaxFaultRetryLimit = 1000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex NamePattern();

    public static Scenario LoadFile(string path)
    {
        return Parse(JsonInput.ReadFile(path, "scenario file"), path);
    }

    /// <summary>Parses scenario JSON; <paramref name="source"/> names it in errors (a path or <c>builtin:NAME</c>).</summary>
    public static Scenario Parse(string json, string source)
    {
        // The text is embedded whole in bundles: keep it without a byte-order mark.
        if (json.StartsWith('\uFEFF'))
            json = json[1..];
        try
        {
            using var doc = JsonInput.Parse(json);
            return Read(doc.RootElement, json, source);
        }
        catch (InputError e)
        {
            // The shared codec echoes what it found; keep that to an excerpt.
            throw new InputError(string.IsNullOrEmpty(e.Place) ? source : $"{source}: {Excerpt.Clean(e.Place)}", Excerpt.Clean(e.Problem));
        }
    }

    private static Scenario Read(JsonElement root, string json, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InputError("$", $"expected a scenario object, found {OpCodec.Describe(root)}");
        if (root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String && f.GetString() == TraceBundle.FormatName)
            throw new InputError("format", "this is a trace bundle, not a scenario (replay it with: hmm-spec replay FILE)");
        foreach (var p in root.EnumerateObject())
        {
            if (!TopFields.Contains(p.Name))
                throw new InputError(p.Name, $"unknown field (known: {string.Join(", ", TopFields)})");
        }

        var format = Required(root, "format", "$");
        if (format.ValueKind != JsonValueKind.String || format.GetString() != Scenario.FormatName)
            throw new InputError("format", $"expected \"{Scenario.FormatName}\", found {OpCodec.Describe(format)}");
        var version = OpCodec.OptInt(root, "version", "$", 0)
            ?? throw new InputError("$", "missing field \"version\"");
        if (version != Scenario.FormatVersion)
            throw new InputError("version", $"unsupported scenario format version {version} (this tool reads version {Scenario.FormatVersion})");

        var name = OpCodec.OptString(root, "name", "$") ?? throw new InputError("$", "missing field \"name\"");
        CheckName(name, "name", "name");
        var description = root.TryGetProperty("description", out var d)
            ? d.ValueKind == JsonValueKind.String ? d.GetString()! : throw new InputError("description", $"expected a string, found {OpCodec.Describe(d)}")
            : "";

        var variant = OpCodec.OptString(root, "variant", "$");
        if (variant is not null && !KernelVariants.TryGet(variant, out _))
            throw new InputError("variant", $"unknown variant \"{variant}\" (known: {string.Join(", ", KernelVariants.All.Select(v => v.Name))})");

        var config = ReadConfig(root);
        var machine = ReadMachine(Required(root, "machine", "$"));
        var retryLimit = OpCodec.OptInt(root, "fault_retry_limit", "$", MinFaultRetryLimit) ?? Scenario.DefaultFaultRetryLimit;
        if (retryLimit > MaxFaultRetryLimit)
            throw new InputError("$.fault_retry_limit", $"at most {MaxFaultRetryLimit}, found {retryLimit}");
        var trackDirty = OpCodec.OptBool(root, "track_dirty", "$") ?? false;
        var setup = ReadOps(root, "setup", required: false);
        var actors = ReadActors(Required(root, "actors", "$"));
        var final = ReadOps(root, "final", required: false);

        var scenario = new Scenario
        {
            Name = name,
            Description = description,
            Variant = variant,
            Config = config,
            Machine = machine,
            FaultRetryLimit = retryLimit,
            TrackDirty = trackDirty,
            Setup = setup,
            Actors = actors,
            Final = final,
            Source = source,
            Json = json,
        };
        CheckOps(scenario);
        return scenario;
    }

    private static void CheckName(string name, string place, string what)
    {
        if (name.Length > MaxNameLength)
            throw new InputError(place, $"a {what} has at most {MaxNameLength} characters, found {name.Length}");
        if (!NamePattern().IsMatch(name))
            throw new InputError(place, $"\"{Excerpt.Of(name)}\" is not a valid {what} (letters, digits, '-', '_', '.')");
    }

    /// <summary>[start, start + count) must lie below <see cref="MaxPfn"/>; compared without forming the sum, which could wrap.</summary>
    private static void CheckPfnRange(long start, long count, string place, string what)
    {
        if (start > MaxPfn || count > MaxPfn - start)
            throw new InputError(place, $"{what} [{start}, {start} + {count}) ends beyond the architecture's last pfn ({MaxPfn} pfns: 46 physical address bits, 4 KiB pages)");
    }

    private static JsonElement Required(JsonElement e, string field, string path) =>
        e.TryGetProperty(field, out var v) ? v : throw new InputError(path, $"missing field \"{field}\"");

    private static Dictionary<string, bool> ReadConfig(JsonElement root)
    {
        var config = new Dictionary<string, bool>();
        if (!root.TryGetProperty("config", out var c))
            return config;
        if (c.ValueKind != JsonValueKind.Object)
            throw new InputError("config", $"expected an object of Kconfig symbols, found {OpCodec.Describe(c)}");
        foreach (var p in c.EnumerateObject())
        {
            if (!ConfigSymbols.Contains(p.Name))
                throw new InputError($"config.{p.Name}", $"unknown Kconfig symbol (known: {string.Join(", ", ConfigSymbols)})");
            config[p.Name] = OpCodec.OptBool(c, p.Name, "config")!.Value;
        }
        // A configuration Kconfig cannot produce is not a kernel anyone ran: name the symbol and its missing dependency.
        if (KernelConfig.FromSymbols(config).Problem is { } problem)
            throw new InputError("config", $"cannot be built: {problem}");
        return config;
    }

    private static ScenarioMachine ReadMachine(JsonElement m)
    {
        if (m.ValueKind != JsonValueKind.Object)
            throw new InputError("machine", $"expected an object, found {OpCodec.Describe(m)}");
        foreach (var p in m.EnumerateObject())
        {
            if (!MachineFields.Contains(p.Name))
                throw new InputError($"machine.{p.Name}", $"unknown field (known: {string.Join(", ", MachineFields)})");
        }
        var ram = OpCodec.OptInt(m, "ram_pages", "machine", 1) ?? throw new InputError("machine", "missing field \"ram_pages\"");
        var dev = OpCodec.OptInt(m, "device_pages", "machine", 0) ?? 0;
        var start = OpCodec.OptLong(m, "device_start_pfn", "machine", 0);
        if (ram > MaxPages)
            throw new InputError("machine.ram_pages", $"at most {MaxPages} pages, found {ram}");
        if (dev > MaxPages)
            throw new InputError("machine.device_pages", $"at most {MaxPages} pages, found {dev}");
        if (dev > 0 && start is null)
            throw new InputError("machine", "device_pages > 0 needs field \"device_start_pfn\"");
        if (dev > 0 && start < ram)
            throw new InputError("machine.device_start_pfn", $"the device range must start at or after system RAM's end (pfn {ram}), found {start}");
        if (start is { } s)
            CheckPfnRange(s, dev, "machine.device_start_pfn", "the device range");
        return new ScenarioMachine(ram, dev, start ?? ram);
    }

    private static IReadOnlyList<ScenarioOp> ReadOps(JsonElement parent, string field, bool required, string prefix = "")
    {
        var path = prefix.Length == 0 ? field : $"{prefix}.{field}";
        if (!parent.TryGetProperty(field, out var arr))
            return required ? throw new InputError(prefix.Length == 0 ? "$" : prefix, $"missing field \"{field}\"") : [];
        if (arr.ValueKind != JsonValueKind.Array)
            throw new InputError(path, $"expected an array of ops, found {OpCodec.Describe(arr)}");
        if (arr.GetArrayLength() > MaxOpsPerList)
            throw new InputError(path, $"at most {MaxOpsPerList} ops, found {arr.GetArrayLength()}");
        var ops = new List<ScenarioOp>();
        var i = 0;
        foreach (var e in arr.EnumerateArray())
        {
            var opPath = $"{path}[{i++}]";
            var op = OpCodec.ReadOp(e, opPath, "expect");
            OpResult? expect = e.TryGetProperty("expect", out var x) ? ReadExpect(x, $"{opPath}.expect") : null;
            ops.Add(new ScenarioOp(op, expect, opPath));
        }
        return ops;
    }

    private static readonly string[] Signals = [Outcomes.SIGSEGV, Outcomes.SIGBUS];
    private static readonly string[] Errors =
        [Outcomes.EFAULT, Outcomes.EPERM, Outcomes.EEXIST, Outcomes.ENOMEM, Outcomes.EBUSY, Outcomes.EINVAL, Outcomes.EIO];

    private static OpResult ReadExpect(JsonElement x, string path)
    {
        var expect = OpCodec.ReadResult(x, path);
        if (expect.Signal is { } sig && !Signals.Contains(sig))
            throw new InputError($"{path}.signal", $"unknown signal \"{sig}\" (known: {string.Join(", ", Signals)})");
        if (expect.Error is { } err && !Errors.Contains(err))
            throw new InputError($"{path}.error", $"unknown error \"{err}\" (known: {string.Join(", ", Errors)})");
        return expect;
    }

    private static IReadOnlyList<ScenarioActor> ReadActors(JsonElement arr)
    {
        if (arr.ValueKind != JsonValueKind.Array)
            throw new InputError("actors", $"expected an array of actors, found {OpCodec.Describe(arr)}");
        var n = arr.GetArrayLength();
        if (n == 0)
            throw new InputError("actors", "a scenario needs at least one actor");
        if (n > MaxActors)
            throw new InputError("actors", $"at most {MaxActors} actors, found {n}");
        var actors = new List<ScenarioActor>();
        var i = 0;
        foreach (var a in arr.EnumerateArray())
        {
            var path = $"actors[{i++}]";
            if (a.ValueKind != JsonValueKind.Object)
                throw new InputError(path, $"expected an actor object, found {OpCodec.Describe(a)}");
            foreach (var p in a.EnumerateObject())
            {
                if (!ActorFields.Contains(p.Name))
                    throw new InputError($"{path}.{p.Name}", $"unknown field (known: {string.Join(", ", ActorFields)})");
            }
            var name = OpCodec.OptString(a, "name", path) ?? throw new InputError(path, "missing field \"name\"");
            CheckName(name, $"{path}.name", "actor name");
            if (ReservedActorNames.Contains(name))
                throw new InputError($"{path}.name", $"\"{name}\" is reserved for the sequential phase of that name");
            if (actors.Any(x => x.Name == name))
                throw new InputError($"{path}.name", $"duplicate actor name \"{name}\"");
            var ops = ReadOps(a, "ops", required: true, prefix: path);
            if (ops.Count == 0)
                throw new InputError($"{path}.ops", "an actor needs at least one op");
            actors.Add(new ScenarioActor(name, ops));
        }
        return actors;
    }

    /// <summary>Checks that need the whole scenario: page ranges inside the machine's address space, pfns, file names.</summary>
    private static void CheckOps(Scenario s)
    {
        foreach (var so in s.AllOps)
        {
            var op = so.Op;
            // In long: page and pages are ints each below 2^31, so their sum cannot wrap past the limit check.
            if (op.Page is { } page && (long)page + (op.Pages ?? 1) > MaxPages)
                throw new InputError(so.Path, $"pages [{page}, {(long)page + (op.Pages ?? 1)}) exceed the address-space limit of {MaxPages} pages");
            if (op.Kind == OpKind.MmapPfn)
                CheckPfnRange(op.Pfn!.Value, op.Pages!.Value, $"{so.Path}.pfn", "the mapped pfns");
            if (op.Kind == OpKind.HotplugAdd)
            {
                if (op.Pages > MaxPages)
                    throw new InputError($"{so.Path}.pages", $"at most {MaxPages} pages may be added at once, found {op.Pages}");
                CheckPfnRange(op.StartPfn!.Value, op.Pages!.Value, $"{so.Path}.start_pfn", "the added range");
            }
            if (op.Kind == OpKind.Fork && op.Child == op.Mm)
                throw new InputError($"{so.Path}.child", "a fork child needs its own address-space name");
            if (op.File is { } file)
                CheckName(file, $"{so.Path}.file", "file name");
            if (op.Kind == OpKind.Ftruncate)
            {
                if (op.Pages > MaxPages)
                    throw new InputError($"{so.Path}.pages", $"a file size of {op.Pages} pages exceeds the limit of {MaxPages} pages");
                if (!s.AllOps.Any(o => o.Op.Kind == OpKind.Mmap && o.Op.File == op.File))
                    throw new InputError($"{so.Path}.file", $"no mmap in the scenario names the file \"{op.File}\"");
            }
        }
    }
}
