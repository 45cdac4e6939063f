using TorchSharp;
using TorchSharp.Modules;
using static CollapseCheck.Native.HeldScalars;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace CollapseCheck.Modeling;

public sealed record GptConfig(int VocabularySize, int Layers, int Width, int Heads, int Context)
{
    public int HeadSize => Width / Heads;
}

/// <summary>
/// A small GPT: token + position embeddings, pre-norm blocks of causal self-attention and an MLP,
/// a final norm and an output head tied to the token embedding. <see cref="forward"/> scores a whole
/// window for training; <see cref="Decode"/> extends sequences one step at a time through a <see cref="KvCache"/>.
/// </summary>
public sealed class Gpt : Module<Tensor, Tensor>
{
    private readonly Embedding _tokens;
    private readonly Embedding _positions;
    private readonly ModuleList<Block> _blocks;
    private readonly LayerNorm _finalNorm;

    /// <param name="seed">
    /// Seeds the weights through a generator of their own, not torch's global one, so two models built at once
    /// (several lineages in one process) cannot draw each other's numbers.
    /// </param>
    public Gpt(GptConfig config, long seed) : base(nameof(Gpt))
    {
        Config = config;
        _tokens = Embedding(config.VocabularySize, config.Width);
        _positions = Embedding(config.Context, config.Width);
        _blocks = new ModuleList<Block>(Enumerable.Range(0, config.Layers).Select(_ => new Block(config)).ToArray());
        _finalNorm = LayerNorm(config.Width);
        RegisterComponents();
        InitializeWeights(seed);
    }

    public GptConfig Config { get; }

    /// <summary>
    /// Null: fp32 throughout. A half type (bfloat16): linear layers, the head and attention compute in it from fp32
    /// weights cast on the fly, so gradients and the optimizer stay fp32; norms and residuals stay fp32, and the head's
    /// bfloat16 logits are widened to fp32 for the loss and the sampler, as autocast does.
    /// TorchSharp has no autocast, so this is that scheme by hand.
    /// </summary>
    public ScalarType? ComputeType { get; set; }

    /// <summary>The <see cref="ComputeType"/> for training.precision: null or "fp32" → null, "bf16" → bfloat16.</summary>
    public static ScalarType? ComputeTypeFor(string? precision) => precision switch
    {
        null or "fp32" => null,
        "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"unknown precision '{precision}'; expected fp32 or bf16", nameof(precision)),
    };

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Logits [B, T, V] for token ids [B, T], T ≤ context.</summary>
    public override Tensor forward(Tensor ids) => Run(ids, cache: null);

    /// <summary>
    /// Feeds ids [B, T] that continue the sequences held in <paramref name="cache"/> and returns the
    /// logits of the last position, [B, V]. Cost per call depends on T, not on what is already cached.
    /// </summary>
    public Tensor Decode(Tensor ids, KvCache cache)
    {
        using var scope = NewDisposeScope();
        var logits = Run(ids, cache);
        return logits.select(1, -1).MoveToOuterDisposeScope();
    }

    public KvCache NewCache(int batch, Device device) =>
        new(Config.Layers, batch, Config.Heads, Config.Context, Config.HeadSize, device, ComputeType ?? ScalarType.Float32);

    private Tensor Run(Tensor ids, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var length = ids.shape[1];
        var start = cache?.Length ?? 0;
        if (start + length > Config.Context)
        {
            throw new InvalidOperationException($"the model has {Config.Context} positions; {start + length} requested");
        }

        // SDPA's causal mask is aligned top-left: right for a prefill from position 0 or a one-token step, wrong for
        // several tokens after a cached prefix (each would see too little of it).
        if (start > 0 && length > 1)
        {
            throw new InvalidOperationException($"after {start} cached positions, decode one token at a time; {length} given");
        }

        using var first = start.ToScalar();
        using var end = (start + length).ToScalar();
        var positions = arange(first, end, One, dtype: ScalarType.Int64, device: ids.device);
        var x = _tokens.forward(ids).add(_positions.forward(positions), One);
        for (var i = 0; i < _blocks.Count; i++)
        {
            x = _blocks[i].Forward(x, cache, i, ComputeType);
        }

        cache?.Advance((int)length);
        x = _finalNorm.forward(x);
        var logits = MixedLinear(x, _tokens.weight!, null, ComputeType);
        return (ComputeType is null ? logits : logits.to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    private static Tensor Project(Linear layer, Tensor x, ScalarType? type) => MixedLinear(x, layer.weight!, layer.bias, type);

    /// <summary>x·Wᵀ + b, computed in <paramref name="type"/> from fp32 weights when given (mixed precision).</summary>
    private static Tensor MixedLinear(Tensor x, Tensor weight, Tensor? bias, ScalarType? type) =>
        type is { } t ? F.linear(x.to(t), weight.to(t), bias?.to(t)) : F.linear(x, weight, bias);

    /// <summary>
    /// GPT-2's scheme: N(0, 0.02), residual projections scaled by 1/√(2·layers), zero biases. Every parameter is
    /// set here, so the layers' own default initialisation (global generator) leaves no trace.
    /// </summary>
    private void InitializeWeights(long seed)
    {
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed);
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                init.zeros_(p);
            }
            else if (name.Contains("Norm", StringComparison.Ordinal))
            {
                // LayerNorm gains (_attentionNorm, _mlpNorm, _finalNorm) start at 1.
                init.ones_(p);
            }
            else
            {
                // Tensor.normal_ honours the generator; TorchSharp 0.107's init.normal_ ignores it.
                p.normal_(0, name.EndsWith("projection.weight", StringComparison.Ordinal) ? residualStd : 0.02, generator);
            }
        }
    }

    private sealed class Block : Module
    {
        private readonly LayerNorm _attentionNorm;
        private readonly CausalSelfAttention _attention;
        private readonly LayerNorm _mlpNorm;
        private readonly Linear _expand;
        private readonly Linear _projection;

        public Block(GptConfig config) : base(nameof(Block))
        {
            _attentionNorm = LayerNorm(config.Width);
            _attention = new CausalSelfAttention(config);
            _mlpNorm = LayerNorm(config.Width);
            _expand = Linear(config.Width, 4 * config.Width);
            _projection = Linear(4 * config.Width, config.Width);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, KvCache? cache, int layer, ScalarType? type)
        {
            // Residual sums promote back to fp32 under mixed precision.
            x = x.add(_attention.Forward(_attentionNorm.forward(x), cache, layer, type), One);
            return x.add(Project(_projection, F.gelu(Project(_expand, _mlpNorm.forward(x), type)), type), One);
        }
    }

    private sealed class CausalSelfAttention : Module
    {
        private readonly int _heads;
        private readonly Linear _queryKeyValue;
        private readonly Linear _projection;

        public CausalSelfAttention(GptConfig config) : base(nameof(CausalSelfAttention))
        {
            _heads = config.Heads;
            _queryKeyValue = Linear(config.Width, 3 * config.Width);
            _projection = Linear(config.Width, config.Width);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, KvCache? cache, int layer, ScalarType? type)
        {
            var (batch, length, width) = (x.shape[0], x.shape[1], x.shape[2]);
            var qkv = Project(_queryKeyValue, x, type).view(batch, length, 3, _heads, width / _heads).permute(2, 0, 3, 1, 4);
            var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
            Tensor attended;
            if (cache is null)
            {
                attended = F.scaled_dot_product_attention(q, k, v, is_casual: true);
            }
            else
            {
                // A prefill from position 0 is causal within itself; a one-token step sees everything cached.
                var (keys, values) = cache.Append(layer, k, v);
                attended = F.scaled_dot_product_attention(q, keys, values, is_casual: length > 1);
            }

            return Project(_projection, attended.transpose(1, 2).reshape(batch, length, width), type);
        }
    }
}
