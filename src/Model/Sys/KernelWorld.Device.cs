namespace Hmm.Spec.Model;

/// <summary>
/// The device-side facade operations of src/Model/README.md (MigrateToDevice, MigrateToSystem, DeviceRead,
/// DeviceWrite, DeviceRemove, HotplugAdd) and the driver probe that <see cref="Create"/> runs when the layout
/// has device pages. Each takes the locks the kernel path takes (inside the driver and hotplug code).
/// </summary>
public sealed partial class KernelWorld
{
    private Dmirror? _dmirror;

    /// <summary>The reference driver (null when the layout has no device pages).</summary>
    internal Dmirror? Device => _dmirror;

    /// <summary>dmirror probe: hotplug the device memory. A refused range is a broken layout.</summary>
    partial void ProbeDevice()
    {
        _dmirror = Dmirror.Probe(this, Layout.DeviceStartPfn, Layout.DevicePages, out var error)
            ?? throw new ArgumentException($"device range [{Layout.DeviceStartPfn}, +{Layout.DevicePages}) refused: {error}");
    }

    /// <summary>
    /// Runs a dmirror ioctl on <paramref name="mm"/> under the device lock (read); <paramref name="none"/> when
    /// the mm is unknown or exited, or there is no live device.
    /// </summary>
    private T Ioctl<T>(string mm, string name, T none, Func<Dmirror, MmStruct, T> op)
    {
        if (_dmirror is not { } d || FindMm(mm) is null)
            return none;
        d.DeviceLock.DownRead(name);
        try
        {
            return !d.Released && FindMm(mm) is { } m ? op(d, m) : none;
        }
        finally
        {
            d.DeviceLock.UpRead(name);
        }
    }

    /// <summary>MIGRATE to device of [page, page+pages): pages moved (0 for an unknown mm or without a device).</summary>
    public int MigrateToDevice(string mm, int page, int pages) =>
        pages <= 0 ? 0 : Ioctl(mm, "dmirror_ioctl", 0, (d, m) => d.dmirror_migrate_to_device(m, page, pages));

    /// <summary>Migration of the range's device pages back to system memory: pages moved.</summary>
    public int MigrateToSystem(string mm, int page, int pages) =>
        pages <= 0 ? 0 : Ioctl(mm, "dmirror_ioctl", 0, (d, m) => d.dmirror_migrate_to_system(m, page, pages));

    /// <summary>Device read of one page through the mirror: EFAULT on a hole/PROT_NONE/no vma, EINVAL without mm or device.</summary>
    public DeviceOutcome DeviceRead(string mm, int page) =>
        Ioctl(mm, "dmirror_ioctl", new DeviceOutcome(0, Errno.EINVAL), (d, m) => d.dmirror_read(m, page));

    /// <summary>Device write of one page: EPERM to a read-only mapping, EFAULT on a hole/PROT_NONE.</summary>
    public Errno DeviceWrite(string mm, int page, long value) =>
        Ioctl(mm, "dmirror_ioctl", Errno.EINVAL, (d, m) => d.dmirror_write(m, page, value));

    /// <summary>
    /// Release (unbind) the driver's device memory, after in-flight ioctls (device lock for write); EINVAL
    /// without a device or when already released.
    /// </summary>
    public Errno DeviceRemove()
    {
        const string fn = "dmirror_device_remove";
        if (_dmirror is not { } d)
            return Errno.EINVAL;
        d.DeviceLock.DownWrite(fn);
        try
        {
            return d.dmirror_release();
        }
        finally
        {
            d.DeviceLock.UpWrite(fn);
        }
    }

    /// <summary>
    /// Hot-add RAM at [startPfn, startPfn+pages) (add_memory under lock_device_hotplug, as the ACPI memory
    /// device driver calls it): EEXIST when the range conflicts with a registered resource.
    /// </summary>
    public Errno HotplugAdd(long startPfn, int pages)
    {
        const string fn = "acpi_memory_enable_device";
        if (pages <= 0 || startPfn < 0)
            return Errno.EINVAL;
        lock_device_hotplug(fn);
        try
        {
            return add_memory(0, startPfn, pages);
        }
        finally
        {
            unlock_device_hotplug(fn);
        }
    }
}
