using Microsoft.Extensions.Logging;

namespace Hmm.Spec.Model.Tests.Support;

/// <summary>
/// Explicit synchronization with a world running on real threads (no Coyote engine): given to the world as its
/// logger, it completes <see cref="Reached"/> on the thread that records the first step whose trace line
/// (<c>#SEQ ACTOR FUNCTION KIND RESOURCE: DETAIL</c>) contains <paramref name="fragment"/>. A test waits on that
/// instead of spinning on the step log with a time limit.
/// </summary>
public sealed class StepSignal(string fragment) : ILogger
{
    /// <summary>Only a model that is broken (a task blocked where it must not be) takes this long; it is not a speed check.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    /// <summary>Waits until the step was recorded or <paramref name="task"/> ended, whichever comes first.</summary>
    public async Task WaitFor(Task task) => await Task.WhenAny(Reached, task).WaitAsync(HangGuard);

    public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Trace;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (formatter(state, exception).Contains(fragment, StringComparison.Ordinal))
            _reached.TrySetResult();
    }
}
