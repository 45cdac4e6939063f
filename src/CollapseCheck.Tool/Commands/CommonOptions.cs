using System.CommandLine;
using CollapseCheck.Training;

namespace CollapseCheck.Tool.Commands;

internal static class CommonOptions
{
    public static Argument<string?> Policy() => new("policy")
    {
        Description = "Policy file (collapsecheck.json). Omit to use the embedded default on builtin:dotnet-docs.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Option<string?> Out() => new("--out", "-o")
    {
        Description = "Folder of the reports (default: collapsecheck-out beside the policy).",
    };

    public static Option<string> Device()
    {
        var option = new Option<string>("--device")
        {
            Description = "auto (CUDA when available), cpu or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong(ComputeDevice.Names);
        return option;
    }

    public static Option<string?> LibTorch() => new("--libtorch")
    {
        Description = "Folder with libtorch.so to use instead of the packaged CPU build, e.g. a PyTorch install's torch/lib (also COLLAPSECHECK_LIBTORCH).",
    };
}
