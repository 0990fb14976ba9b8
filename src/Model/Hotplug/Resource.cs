namespace Hmm.Spec.Model.Hotplug;

/// <summary>
/// struct resource (include/linux/ioport.h). The model counts in pfns rather than bytes: one page is the
/// smallest unit anything in the model hotplugs, so <see cref="Start"/>/<see cref="End"/> are inclusive pfns.
/// </summary>
internal sealed class Resource
{
    public Resource(string name, long start, long end, IoresourceFlags flags, IoresDesc desc = IoresDesc.None)
    {
        Name = name;
        Start = start;
        End = end;
        Flags = flags;
        Desc = desc;
    }

    public string Name { get; }
    public long Start { get; }
    /// <summary>Inclusive last pfn, as the kernel's <c>res-&gt;end</c> is inclusive.</summary>
    public long End { get; }
    public IoresourceFlags Flags { get; set; }
    public IoresDesc Desc { get; set; }
    public Resource? Parent { get; internal set; }
    internal List<Resource> Children { get; } = [];

    /// <summary>resource_size().</summary>
    public long Size => End - Start + 1;

    public IReadOnlyList<Resource> ChildList => Children;

    public override string ToString() => $"[{Start}-{End}] {Name} desc={Desc}";
}
