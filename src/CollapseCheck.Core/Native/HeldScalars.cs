using TorchSharp;

namespace CollapseCheck.Native;

/// <summary>
/// TorchSharp 0.107 frees a <see cref="Scalar"/> only from its finalizer and hands libtorch the bare pointer, so
/// a Scalar made on the fly (an implicit conversion from a number, or the alpha of 1 that <c>Tensor.add(Tensor)</c>
/// makes inside the binding) can be collected and freed by the finalizer thread while a kernel still reads it.
/// CI saw <c>addcmul_</c> fail with "Expected false to be true" from <c>c10::Scalar::toFloat</c>; a freed slot that
/// another Scalar reuses would pass a wrong number without any error. So Core makes each Scalar it passes in a
/// <c>using</c> (alive until the call returns) or takes it from here, where it is never freed.
/// <c>ScalarLifetimeTests</c> keeps the code to that rule.
/// </summary>
public static class HeldScalars
{
    /// <summary>The alpha of 1 for <c>add(Tensor, Scalar)</c>, in place of <c>a + b</c>.</summary>
    public static readonly Scalar One;

    // An explicit static constructor makes the field on first use, not when the type is loaded: Core touches One
    // only in tensor operations, so the native libraries are loaded (TorchNative) by then. Never disposed.
    static HeldScalars() => One = 1.ToScalar();
}
