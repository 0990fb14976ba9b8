namespace Hmm.Spec.Model;

/// <summary>VM_FAULT_* return bits and FAULT_FLAG_* (include/linux/mm.h, v4.11 values).</summary>
internal static class VmFault
{
    public const int VM_FAULT_OOM = 0x0001;
    public const int VM_FAULT_SIGBUS = 0x0002;
    public const int VM_FAULT_MAJOR = 0x0004;
    public const int VM_FAULT_WRITE = 0x0008;
    public const int VM_FAULT_HWPOISON = 0x0010;
    public const int VM_FAULT_SIGSEGV = 0x0040;
    public const int VM_FAULT_NOPAGE = 0x0100;
    public const int VM_FAULT_LOCKED = 0x0200;
    public const int VM_FAULT_RETRY = 0x0400;
    public const int VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON;

    public const int FAULT_FLAG_WRITE = 0x01;
    public const int FAULT_FLAG_ALLOW_RETRY = 0x04;
    public const int FAULT_FLAG_USER = 0x40;
    /// <summary>The fault is made on behalf of another task (get_user_pages_remote).</summary>
    public const int FAULT_FLAG_REMOTE = 0x80;

    public static string Format(int ret)
    {
        if (ret == 0)
            return "0";
        var parts = new List<string>();
        if ((ret & VM_FAULT_OOM) != 0) parts.Add("OOM");
        if ((ret & VM_FAULT_SIGBUS) != 0) parts.Add("SIGBUS");
        if ((ret & VM_FAULT_MAJOR) != 0) parts.Add("MAJOR");
        if ((ret & VM_FAULT_WRITE) != 0) parts.Add("WRITE");
        if ((ret & VM_FAULT_HWPOISON) != 0) parts.Add("HWPOISON");
        if ((ret & VM_FAULT_SIGSEGV) != 0) parts.Add("SIGSEGV");
        if ((ret & VM_FAULT_NOPAGE) != 0) parts.Add("NOPAGE");
        if ((ret & VM_FAULT_LOCKED) != 0) parts.Add("LOCKED");
        if ((ret & VM_FAULT_RETRY) != 0) parts.Add("RETRY");
        return "VM_FAULT_" + string.Join("|", parts);
    }
}
