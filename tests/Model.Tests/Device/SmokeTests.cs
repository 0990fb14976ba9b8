using Hmm.Spec.Model;

namespace Hmm.Spec.Model.Tests.Device;

public sealed class SmokeTests : ModelTest
{
    [Fact]
    public void Migrate_round_trip()
    {
        var w = NewDeviceWorld();
        MapAndFill(w, pages: 4);
        w.MigrateToDevice("A", 0, 4).Should().Be(4);
        IsDeviceEntry(w, "A", 0).Should().BeTrue();
        w.DeviceRead("A", 2).Should().Be(new DeviceOutcome(102, Errno.OK));
        w.UserRead("A", 1).Should().Be(new AccessOutcome(101, Sig.None));
        IsPresent(w, "A", 1).Should().BeTrue();
        w.MigrateToSystem("A", 0, 4).Should().Be(3);
        w.Exit("A").Should().Be(Errno.OK);
        w.Device!.PagesInUse.Should().Be(0);
    }
}
