namespace Hmm.Spec.Model;

/// <summary>mmap/mprotect protections of the facade.</summary>
public enum VmProt
{
    None,
    Read,
    ReadWrite,
}

/// <summary>Signal delivered to the process by a CPU access.</summary>
public enum Sig
{
    None,
    SIGSEGV,
    SIGBUS,
}

/// <summary>Syscall/ioctl results of the facade.</summary>
public enum Errno
{
    OK,
    EFAULT,
    EPERM,
    EEXIST,
    ENOMEM,
    EBUSY,
    EINVAL,
}

/// <summary>Result of a CPU read: <see cref="Value"/> is meaningful when <see cref="Signal"/> is None.</summary>
public readonly record struct AccessOutcome(long Value, Sig Signal);

/// <summary>Result of a device read: <see cref="Value"/> is meaningful when <see cref="Error"/> is OK.</summary>
public readonly record struct DeviceOutcome(long Value, Errno Error);

/// <summary>/proc/PID/smaps totals in pages, summed over the mm's VMAs.</summary>
public readonly record struct SmapsOutcome(int Rss, int Anon, int Swap);

/// <summary>One /proc/PID/pagemap entry.</summary>
public readonly record struct PagemapOutcome(bool Present, bool Swap, int SwapType, bool Exclusive, bool File, long Frame = 0);
