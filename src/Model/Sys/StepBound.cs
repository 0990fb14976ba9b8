namespace Hmm.Spec.Model;

/// <summary>
/// A bound on one run's step log (<see cref="KernelWorld.Bound"/>): at most <paramref name="MaxSteps"/> steps and
/// about <paramref name="MaxLogBytes"/> bytes (<c>StepLog.ApproxBytes</c>). Past it the run is a <c>livelock</c>.
/// </summary>
public readonly record struct StepBound(int MaxSteps, long MaxLogBytes);
