using Hmm.Spec.Actors.Bundles;

namespace Hmm.Spec.Actors.Tests.Bundles;

/// <summary>AtomicFile replaces regular files whole and refuses everything else.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hmm-atomic-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Writes_a_new_file_and_replaces_an_old_one_leaving_no_temporary_file()
    {
        var path = Path.Combine(dir, "out.json");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second ü");
        File.ReadAllText(path).Should().Be("second ü");
        File.ReadAllBytes(path)[0].Should().Be((byte)'s', "no BOM is written");
        Directory.GetFiles(dir).Should().Equal(path);
    }

    [Fact]
    public void Refuses_a_directory_at_the_path()
    {
        var sub = Directory.CreateDirectory(Path.Combine(dir, "sub")).FullName;
        var act = () => AtomicFile.WriteAllText(sub, "x");
        act.Should().Throw<IOException>().WithMessage("*directory*");
    }

    [Fact]
    public void Refuses_a_symlink_and_leaves_it_and_its_target_alone()
    {
        var target = Path.Combine(dir, "target");
        File.WriteAllText(target, "kept");
        var link = Path.Combine(dir, "link");
        File.CreateSymbolicLink(link, target);
        var act = () => AtomicFile.WriteAllText(link, "x");
        act.Should().Throw<IOException>().WithMessage("*symbolic link*");
        new FileInfo(link).LinkTarget.Should().Be(target);
        File.ReadAllText(target).Should().Be("kept");
    }

    [Fact]
    public void Refuses_a_device_node()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var act = () => AtomicFile.WriteAllText("/dev/null", "x");
        act.Should().Throw<IOException>().WithMessage("*not a regular file*");
    }

    [Fact]
    public void A_failed_write_leaves_nothing_behind()
    {
        var path = Path.Combine(dir, "missing-dir", "out.json");
        var act = () => AtomicFile.WriteAllText(path, "x");
        act.Should().Throw<IOException>();
        Directory.GetFileSystemEntries(dir).Should().BeEmpty();
    }
}
