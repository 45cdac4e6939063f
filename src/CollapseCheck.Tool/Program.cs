using CollapseCheck.Native;
using static TorchSharp.torch;
var s = TorchNative.EnsureLoaded();
Console.WriteLine(s);
Console.WriteLine(s.Decision?.Explanation);
var t = randn(3, 3);
Console.WriteLine(t.sum().item<float>());
Console.WriteLine(cuda.is_available());
Console.WriteLine(TorchSharp.torch.get_num_threads());
