using CollapseCheck.Modeling;
using CollapseCheck.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>
/// Holds Core to the rule in <see cref="HeldScalars"/> by reading its compiled code: TorchSharp frees a Scalar from
/// its finalizer, so a Scalar nobody holds can be freed while libtorch reads it. <see cref="NonstopCollectorTests"/>
/// runs the real loops under that threat; these tests are the guard that does not depend on timing.
/// </summary>
public class ScalarLifetimeTests
{
    private const string ImplicitScalar = "TorchSharp.Scalar::op_Implicit";
    private const string Scalar = "TorchSharp.Scalar";

    private static readonly Lazy<HashSet<string>> s_makers = new(ScalarMakingTorchSharpMethods);
    private static readonly Lazy<IReadOnlyList<IlCall>> s_core = new(() => IlCalls.In(typeof(Gpt).Assembly.Location));
    private static readonly Lazy<IReadOnlyList<IlCall>> s_tests = new(() => IlCalls.In(typeof(ScalarLifetimeTests).Assembly.Location));

    [Fact]
    public void The_scan_finds_scalars_made_on_the_fly_where_they_are()
    {
        Assert.Contains("TorchSharp.torch/Tensor::add_(TorchSharp.torch/Tensor)", s_makers.Value);
        Assert.Contains("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", s_makers.Value);
        var here = Unheld(s_tests.Value).Where(c => c.Caller.Contains(nameof(UnheldScalars))).Select(c => c.Callee).ToList();
        Assert.Contains(here, c => c.StartsWith(ImplicitScalar));
        Assert.Contains("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", here);
        // Through a delegate: the method group below is never called here, but whoever gets it will.
        Assert.Contains("TorchSharp.torch/Tensor::add(TorchSharp.torch/Tensor)", here);
    }

    [Fact]
    public void The_scan_tells_a_scalar_in_a_using_from_one_only_kept_in_a_local()
    {
        var loose = Loose(s_tests.Value).ToList();
        Assert.Contains(loose, l => l.Contains(nameof(ScalarKeptInALocalOnly)));
        Assert.DoesNotContain(loose, l => l.Contains(nameof(ScalarInAUsing)));
    }

    [Fact]
    public void Core_and_these_tests_pass_libtorch_no_scalar_that_nobody_holds()
    {
        var offenders = Unheld(s_core.Value)
            .Concat(Unheld(s_tests.Value).Where(c => !c.Caller.Contains(nameof(UnheldScalars))))
            .Select(c => $"{c.Caller} calls {c.Callee}")
            .Distinct()
            .ToList();
        Assert.True(offenders.Count == 0,
            "Pass libtorch a Scalar made in a `using` or HeldScalars.One (t.add(u, One) for t + u); see HeldScalars for why:\n"
            + string.Join("\n", offenders));
    }

    [Fact]
    public void Every_scalar_Core_and_these_tests_make_is_disposed_where_it_is_made_or_kept_in_a_field()
    {
        Assert.Contains(s_core.Value, Produces);
        var loose = Loose(s_core.Value).Concat(Loose(s_tests.Value).Where(l => !l.Contains(nameof(ScalarKeptInALocalOnly)))).ToList();
        Assert.True(loose.Count == 0,
            "A Scalar kept only in a local can be collected after its last use, while libtorch still reads it; make it with `using var`:\n"
            + string.Join("\n", loose));
    }

    /// <summary>Calls that hand the caller a new Scalar: constructors and methods returning one (ToScalar, op_Implicit).</summary>
    private static bool Produces(IlCall c) => c.Returns == Scalar || c.Callee.StartsWith(Scalar + "::.ctor(", StringComparison.Ordinal);

    /// <summary>Implicit conversions, and calls into TorchSharp methods that make a Scalar inside and drop it.</summary>
    private static IEnumerable<IlCall> Unheld(IEnumerable<IlCall> calls) =>
        calls.Where(c => c.Callee.StartsWith(ImplicitScalar, StringComparison.Ordinal) || (c.Returns != Scalar && s_makers.Value.Contains(c.Callee)));

    /// <summary>
    /// Scalars neither stored in a field nor stored in a local that the same method disposes (what `using` compiles
    /// to): a local alone does not keep an object alive after its last use in optimised code.
    /// </summary>
    private static IEnumerable<string> Loose(IReadOnlyList<IlCall> calls)
    {
        var disposed = calls
            .Where(c => c.Callee is "System.IDisposable::Dispose()" or "TorchSharp.Scalar::Dispose()" && c.Previous.StartsWith("ldloc ", StringComparison.Ordinal))
            .Select(c => (c.Caller, Local: c.Previous["ldloc ".Length..]))
            .ToHashSet();
        return calls
            .Where(c => Produces(c) && !c.Callee.StartsWith(ImplicitScalar, StringComparison.Ordinal))
            .Where(c => c.Next is not ("stfld" or "stsfld"))
            .Where(c => !(c.Next.StartsWith("stloc ", StringComparison.Ordinal) && disposed.Contains((c.Caller, c.Next["stloc ".Length..]))))
            .Select(c => $"{c.Caller}: {c.Callee} then {c.Next}");
    }

    /// <summary>TorchSharp methods that make a Scalar inside, directly or through another such method or a delegate.</summary>
    private static HashSet<string> ScalarMakingTorchSharpMethods()
    {
        var calls = IlCalls.In(typeof(torch).Assembly.Location);
        var makers = calls.Where(Produces).Select(c => c.Caller).ToHashSet();
        int count;
        do
        {
            count = makers.Count;
            makers.UnionWith(calls.Where(c => makers.Contains(c.Callee)).Select(c => c.Caller).ToList());
        }
        while (makers.Count != count);

        return makers;
    }

    // Never called: compiled so the scans have something to find.
    private static Func<Tensor, Tensor> UnheldScalars(Tensor a, Tensor b)
    {
        _ = a.mul(2.0) + b;
        return a.add;
    }

    private static Tensor ScalarKeptInALocalOnly(Tensor a)
    {
        var two = 2.0.ToScalar();
        return a.mul(two);
    }

    private static Tensor ScalarInAUsing(Tensor a)
    {
        using var two = 2.0.ToScalar();
        return a.mul(two);
    }
}
