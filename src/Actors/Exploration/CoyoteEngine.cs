using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Hmm.Spec.Actors.Exploration;

/// <summary>Creates Coyote testing engines whose own log is silenced (our logger reports progress and bugs).</summary>
public static class CoyoteEngine
{
    public static TestingEngine Create(Configuration config, Func<Task> test)
    {
        var engine = TestingEngine.Create(config, test);
        engine.SetLogger(new Microsoft.Coyote.Logging.TextWriterLogger(TextWriter.Null, Microsoft.Coyote.Logging.VerbosityLevel.None));
        return engine;
    }
}
