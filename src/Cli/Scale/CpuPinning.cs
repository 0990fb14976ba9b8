using System.Runtime.InteropServices;

namespace Hmm.Spec.Cli.Scale;

/// <summary>
/// Pins the worker processes of a <c>--jobs N</c> run (N ≥ 2) to distinct CPUs (docs/scaling.md, "CPU pinning").
/// One exploring process keeps about 1.24 cores busy when it may use every core: Coyote hands the one running
/// operation from OS thread to OS thread, and each handoff wakes a thread on the other core (futex wake-ups, system
/// time). Confined to one CPU the same process runs as fast or faster with less CPU time, so N workers on N CPUs do
/// not compete for each other's cores.
/// <para>
/// How: the slot thread that starts a worker sets its own affinity to the worker's CPU just around
/// <c>Process.Start</c> (which forks from the calling thread; a forked child inherits that thread's mask, and
/// <c>execve</c> keeps it), then restores it. So every thread of the worker, the runtime's own included, is
/// confined from its first instruction, and the worker's runtime sees one processor (<c>Environment.ProcessorCount</c>
/// is 1: no spin-waiting for a thread that cannot run, a GC sized for one core). Pinning from inside the worker
/// (every tid of <c>/proc/self/task</c> at the start of Main) would come after the runtime sized itself for all
/// cores, and races with threads being created.
/// </para>
/// <para>
/// Which CPUs: the allowed set of this process (<c>sched_getaffinity</c>: taskset, cgroup cpusets and Slurm's
/// task binding are respected). N workers are pinned only when N ≤ the allowed CPUs and N CPUs can be claimed: a
/// claim is an exclusive <c>flock</c> on <c>/tmp/hmm-spec-cpu-K.lock</c>, held until the run ends, so two runs on
/// one machine (two Slurm tasks on one node, two terminals) never pin to the same CPU: the second run finds the
/// CPUs taken and starts its workers unpinned. With N above the allowed CPUs nothing is pinned (two workers fixed
/// on one CPU could not move to one that falls idle; the OS balances better). <c>HMM_SPEC_PIN=0</c> turns pinning
/// off. Linux only; elsewhere nothing is pinned.
/// </para>
/// </summary>
internal static class CpuPinning
{
    /// <summary>Set to 0 (or false, no, off) to start workers unpinned.</summary>
    public const string EnvVar = "HMM_SPEC_PIN";

    /// <summary>Where the claims live (tests point it elsewhere); /tmp, not TMPDIR, which Slurm may set per job.</summary>
    public const string LockDirVar = "HMM_SPEC_CPU_LOCK_DIR";

    public static bool Disabled(string? value) =>
        value is not null && value.Trim().ToLowerInvariant() is "0" or "false" or "no" or "off";

    /// <summary>
    /// The CPUs of <paramref name="workers"/> workers: the first <paramref name="workers"/> of the allowed CPUs (in
    /// ascending order) that <paramref name="claim"/> takes; null (nothing pinned) with fewer than two workers, more
    /// workers than allowed CPUs, or fewer CPUs claimed than workers.
    /// </summary>
    public static int[]? Assign(IReadOnlyList<int> allowed, int workers, Func<int, bool> claim)
    {
        if (workers < 2 || workers > allowed.Count)
            return null;
        var cpus = new List<int>(workers);
        foreach (var cpu in allowed.Distinct().Order())
        {
            if (claim(cpu))
                cpus.Add(cpu);
            if (cpus.Count == workers)
                return cpus.ToArray();
        }
        return null;
    }

    /// <summary>The CPUs for a run's workers and the claims that reserve them, or why nothing is pinned.</summary>
    public static (int[]? Cpus, CpuClaims? Claims, string Why) Plan(int workers)
    {
        if (Disabled(Environment.GetEnvironmentVariable(EnvVar)))
            return (null, null, $"{EnvVar}=0");
        if (!OperatingSystem.IsLinux())
            return (null, null, "CPU pinning is implemented for Linux only");
        if (Allowed() is not { } allowed)
            return (null, null, "sched_getaffinity failed");
        if (workers > allowed.Count)
            return (null, null, $"{workers} workers on {allowed.Count} allowed CPUs");
        var claims = new CpuClaims(Environment.GetEnvironmentVariable(LockDirVar) is { Length: > 0 } d ? d : "/tmp");
        var cpus = Assign(allowed, workers, claims.TryClaim);
        if (cpus is null)
        {
            claims.Dispose();
            return (null, null, "other runs hold some of the allowed CPUs");
        }
        claims.KeepOnly(cpus);
        return (cpus, claims, $"workers pinned to CPUs {string.Join(",", cpus)}");
    }

    /// <summary>This process's allowed CPUs (its main thread's mask), ascending; null where unknown.</summary>
    public static IReadOnlyList<int>? Allowed() => OperatingSystem.IsLinux() ? GetMask(Environment.ProcessId) : null;

    /// <summary>
    /// Runs <paramref name="start"/> with the calling thread confined to <paramref name="cpu"/> (a process it forks
    /// inherits the mask), then gives the thread its mask back. Without a CPU, or where the mask cannot be set, it
    /// just runs <paramref name="start"/>.
    /// </summary>
    public static T OnCpu<T>(int? cpu, Func<T> start)
    {
        if (cpu is not { } c || !OperatingSystem.IsLinux() || GetMask(0) is not { } saved || !SetMask(0, [c]))
            return start();
        try
        {
            return start();
        }
        finally
        {
            SetMask(0, saved);
        }
    }

    private const int MaxMaskBytes = 1 << 16;

    /// <summary>The mask of thread <paramref name="tid"/> (0: the calling thread).</summary>
    public static IReadOnlyList<int>? GetMask(int tid)
    {
        for (var bytes = 128; bytes <= MaxMaskBytes; bytes *= 2)
        {
            var mask = new byte[bytes];
            if (Native.sched_getaffinity(tid, bytes, mask) == 0)
            {
                var cpus = new List<int>();
                for (var i = 0; i < bytes * 8; i++)
                {
                    if ((mask[i / 8] & (1 << (i % 8))) != 0)
                        cpus.Add(i);
                }
                return cpus;
            }
            if (Marshal.GetLastPInvokeError() != Native.EINVAL)
                return null;
        }
        return null;
    }

    /// <summary>Sets the mask of thread <paramref name="tid"/> (0: the calling thread); false if the kernel refused.</summary>
    public static bool SetMask(int tid, IReadOnlyList<int> cpus)
    {
        if (cpus.Count == 0)
            return false;
        var bytes = Math.Max(128, (cpus.Max() / 64 + 1) * 8);
        var mask = new byte[bytes];
        foreach (var c in cpus)
            mask[c / 8] |= (byte)(1 << (c % 8));
        return Native.sched_setaffinity(tid, bytes, mask) == 0;
    }

    internal static class Native
    {
        public const int EINVAL = 22;
        public const int EWOULDBLOCK = 11;
        public const int O_RDONLY = 0;
        public const int O_CREAT = 0x40;
        public const int O_CLOEXEC = 0x80000;
        public const int LOCK_EX = 2;
        public const int LOCK_NB = 4;

        [DllImport("libc", SetLastError = true)]
        public static extern int sched_getaffinity(int pid, nint cpusetsize, byte[] mask);

        [DllImport("libc", SetLastError = true)]
        public static extern int sched_setaffinity(int pid, nint cpusetsize, byte[] mask);

        [DllImport("libc", SetLastError = true, EntryPoint = "open")]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern int flock(int fd, int operation);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}

/// <summary>
/// Exclusive claims on CPUs between runs on one machine: an open, <c>flock</c>ed file per claimed CPU, released
/// when disposed or when the process ends (the kernel drops the lock with the file). Claims in one process also
/// exclude each other (a lock belongs to the open file, not the process).
/// </summary>
internal sealed class CpuClaims(string directory) : IDisposable
{
    private readonly Dictionary<int, int> _held = [];

    public IReadOnlyCollection<int> Held => _held.Keys;

    public string PathOf(int cpu) => Path.Combine(directory, $"hmm-spec-cpu-{cpu}.lock");

    /// <summary>Claims <paramref name="cpu"/> unless another claim holds it (or its file cannot be opened).</summary>
    public bool TryClaim(int cpu)
    {
        if (_held.ContainsKey(cpu))
            return true;
        if (!OperatingSystem.IsLinux())
            return false;
        var path = PathOf(cpu);
        // Read-only is enough for flock, and opens another user's file; without O_CREAT first, because a sticky
        // /tmp with fs.protected_regular refuses O_CREAT on a file that someone else owns.
        var fd = CpuPinning.Native.Open(path, CpuPinning.Native.O_RDONLY | CpuPinning.Native.O_CLOEXEC, 0);
        if (fd < 0)
            fd = CpuPinning.Native.Open(path, CpuPinning.Native.O_RDONLY | CpuPinning.Native.O_CREAT | CpuPinning.Native.O_CLOEXEC, Convert.ToInt32("644", 8));
        if (fd < 0)
            return false;
        if (CpuPinning.Native.flock(fd, CpuPinning.Native.LOCK_EX | CpuPinning.Native.LOCK_NB) != 0)
        {
            CpuPinning.Native.close(fd);
            return false;
        }
        _held[cpu] = fd;
        return true;
    }

    /// <summary>Releases every claim except those of <paramref name="cpus"/>.</summary>
    public void KeepOnly(IReadOnlyCollection<int> cpus)
    {
        foreach (var cpu in _held.Keys.Where(c => !cpus.Contains(c)).ToArray())
            Release(cpu);
    }

    private void Release(int cpu)
    {
        CpuPinning.Native.close(_held[cpu]);
        _held.Remove(cpu);
    }

    public void Dispose()
    {
        foreach (var cpu in _held.Keys.ToArray())
            Release(cpu);
    }
}
