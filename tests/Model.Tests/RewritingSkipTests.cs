using System.Reflection;
using System.Reflection.Emit;
using Hmm.Spec.Model;
using Microsoft.Coyote.Rewriting;

namespace Hmm.Spec.Model.Tests;

/// <summary>
/// Types marked [SkipRewriting] run as compiled under Coyote, so a concurrency primitive used there would run
/// uncontrolled (false deadlocks, missed interleavings). Their IL, nested compiler-generated types included, must
/// not touch System.Threading or System.Threading.Tasks beyond AsyncLocal.
/// </summary>
public sealed class RewritingSkipTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly string[] Allowed = ["System.Threading.AsyncLocal`1"];

    /// <summary>
    /// StepLog's appends take a plain monitor for stress runs on real threads; under Coyote it is never contended
    /// and never held across a scheduling point (no call out of StepLog while it is held), so it cannot block.
    /// </summary>
    private static readonly (string Type, string Primitive)[] AllowedIn = [("Hmm.Spec.Model.StepLog", "System.Threading.Monitor")];

    private static IEnumerable<Type> SkippedTypes() =>
        typeof(KernelWorld).Assembly.GetTypes().Where(t => t.GetCustomAttribute<SkipRewritingAttribute>() is not null);

    [Fact]
    public void The_model_types_that_skip_rewriting_are_the_hot_ones_of_the_list()
    {
        // The one list (src/Model/Sys/NotRewritten.cs); Actors.Tests NotRewrittenTests checks it over all assemblies.
        SkippedTypes().Select(t => t.FullName).Should().BeEquivalentTo(
            NotRewritten.Types.Where(e => e.Value == NotRewritten.TypeKind.Hot).Select(e => e.Key));
    }

    [Fact]
    public void Skipped_types_use_no_concurrency_primitive()
    {
        var offenders = new List<string>();
        foreach (var type in SkippedTypes())
        {
            foreach (var t in WithNested(type))
            {
                const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
                foreach (var m in t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)))
                {
                    foreach (var used in ReferencedMembers(m))
                    {
                        var declaring = used as Type ?? used.DeclaringType;
                        var name = declaring?.IsGenericType == true ? declaring.GetGenericTypeDefinition().FullName : declaring?.FullName;
                        if (declaring?.Namespace is "System.Threading" or "System.Threading.Tasks" && !Allowed.Contains(name)
                            && !AllowedIn.Contains((type.FullName!, name!)))
                            offenders.Add($"{t.FullName}.{m.Name} uses {name}.{used.Name}");
                    }
                }
            }
        }
        offenders.Should().BeEmpty("a [SkipRewriting] type runs uncontrolled under Coyote");
    }

    [Fact]
    public void The_scan_sees_a_primitive_where_there_is_one()
    {
        // Page takes its PG_locked semaphore, which the rewriter turned into Coyote's controlled one: the scan
        // must see that reference, or it proves nothing above (in a skipped type it would stay System.Threading).
        var page = typeof(KernelWorld).Assembly.GetTypes().Single(t => t.Name == "Page");
        page.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .SelectMany(ReferencedMembers)
            .Select(m => (m as Type ?? m.DeclaringType)?.FullName ?? "")
            .Should().Contain(n => n.StartsWith("Microsoft.Coyote.Rewriting.Types.Threading", StringComparison.Ordinal) && n.Contains("Semaphore"));
    }

    private static IEnumerable<Type> WithNested(Type t) =>
        new[] { t }.Concat(t.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(WithNested));

    /// <summary>The methods, fields and types a method body's IL refers to.</summary>
    private static IEnumerable<MemberInfo> ReferencedMembers(MethodBase m)
    {
        var il = m.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            yield break;
        var typeArgs = m.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
        var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i++];
            if (value == 0xFE)
                value = (short)(0xFE00 | il[i++]);
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member;
                    try { member = m.Module.ResolveMember(token, typeArgs, methodArgs); }
                    catch (ArgumentException) { member = null; }
                    if (member is not null)
                        yield return member;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }
}
