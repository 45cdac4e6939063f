using static TorchSharp.torch;

namespace CollapseCheck.Modeling;

/// <summary>
/// Keys and values of every layer for a batch of sequences being generated, preallocated to the
/// model's context so a decoding step writes in place instead of concatenating (flat cost per token).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <param name="type">The attention's compute type: fp32, or the half type of a mixed-precision model.</param>
    public KvCache(int layers, int batch, int heads, int capacity, int headSize, Device device, ScalarType type = ScalarType.Float32)
    {
        Capacity = capacity;
        _keys = Enumerable.Range(0, layers).Select(_ => zeros(batch, heads, capacity, headSize, dtype: type, device: device)).ToArray();
        _values = Enumerable.Range(0, layers).Select(_ => zeros(batch, heads, capacity, headSize, dtype: type, device: device)).ToArray();
    }

    public int Capacity { get; }

    /// <summary>Positions filled so far; the next token's position.</summary>
    public int Length { get; private set; }

    /// <summary>Writes this step's keys/values [B, H, T, D] after the cached ones and returns views of all of them.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var length = (int)keys.shape[2];
        if (Length + length > Capacity)
        {
            throw new InvalidOperationException($"KV cache holds {Capacity} positions; {Length + length} requested");
        }

        _keys[layer].narrow(2, Length, length).copy_(keys);
        _values[layer].narrow(2, Length, length).copy_(values);
        return (_keys[layer].narrow(2, 0, Length + length), _values[layer].narrow(2, 0, Length + length));
    }

    /// <summary>Called once per model step, after every layer has appended.</summary>
    internal void Advance(int length) => Length += length;

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
        {
            t.Dispose();
        }
    }
}
