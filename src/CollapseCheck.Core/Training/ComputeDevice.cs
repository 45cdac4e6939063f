using CollapseCheck.Diagnostics;
using CollapseCheck.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Training;

/// <summary>Turns --device auto|cpu|cuda into a torch device, after the natives are loaded.</summary>
public static class ComputeDevice
{
    public static readonly string[] Names = ["auto", "cpu", "cuda"];

    public static Device Resolve(string requested, string? libTorchFolder = null)
    {
        TorchNative.EnsureLoaded(libTorchFolder);
        switch (requested)
        {
            case "cpu":
                InitializeDeviceType(DeviceType.CPU);
                return CPU;
            case "cuda":
                if (!TryCuda(out var why))
                {
                    throw Errors.CudaUnavailable(why);
                }

                return CUDA;
            case "auto":
                return TryCuda(out _) ? CUDA : CPU;
            default:
                throw Errors.BadArgument($"--device must be one of {string.Join(", ", Names)}, but is '{requested}'");
        }
    }

    public static bool TryCuda(out string why)
    {
        try
        {
            InitializeDeviceType(DeviceType.CUDA);
            why = cuda.is_available() ? "" : "no CUDA device is visible to libtorch";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            why = e.Message.Split('\n')[0];
        }

        return why.Length == 0;
    }
}
