namespace CollapseCheck;

/// <summary>
/// Environment variables that change a CPU run's last bits, and so its report: the torch threads per shard, and the
/// settings that make libtorch, MKL or oneDNN pick other kernels. Compiled into the tool, whose numerics fingerprint and
/// generation cache key hash them, and the task, for which a change in one is a change of the gate's settings (the
/// package's targets list the same names for the up-to-date check).
/// </summary>
internal static class NumericsVariables
{
    public const string IntraOpThreads = "COLLAPSECHECK_INTRAOP_THREADS";

    public static readonly IReadOnlyList<string> Kernels =
    [
        "ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE",
        "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ONEDNN_DEFAULT_FPMATH_MODE", "DNNL_DEFAULT_FPMATH_MODE",
    ];
}
