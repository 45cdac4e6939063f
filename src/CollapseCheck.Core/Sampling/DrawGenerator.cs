using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Sampling;

/// <summary>
/// The random source of a draw on a device. TorchSharp 0.107 makes CPU generators only (its native THSGenerator_new
/// ignores the device it is given), and a CUDA draw refuses a CPU generator ("Expected a 'cuda' device type for
/// generator"), so on CUDA the device's own default generator is seeded and the draw is given none.
/// </summary>
internal static class DrawGenerator
{
    /// <summary>A seeded generator for draws on <paramref name="device"/>, or null after seeding CUDA's default one.</summary>
    public static Generator? Create(ulong seed, Device device)
    {
        switch (device.type)
        {
            case DeviceType.CPU:
                return new Generator(seed, device);
            case DeviceType.CUDA:
                // One CUDA shard at a time draws (ShardsFor gives 1 there), so the default generator has a single
                // user; every GPU's is seeded, whichever one the device names.
                cuda.manual_seed_all(unchecked((long)seed));
                return null;
            default:
                throw new NotSupportedException($"sampling on {device.type} is not supported; use cpu or cuda");
        }
    }
}
