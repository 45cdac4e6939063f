using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Core.Tests.Modeling;

public class GptTests
{
    private static readonly GptConfig s_config = new(VocabularySize: 50, Layers: 2, Width: 32, Heads: 4, Context: 16);

    public GptTests() => TorchNative.EnsureLoaded();

    private static Gpt NewModel(int seed = 1)
    {
        var model = new Gpt(s_config, seed);
        model.eval();
        return model;
    }

    [Fact]
    public void Decoding_through_the_KV_cache_gives_the_full_forward_pass_logits_at_every_position()
    {
        using var model = NewModel();
        using var _ = no_grad();
        using var ids = randint(0, 50, [3, 12], dtype: ScalarType.Int64);
        using var full = model.forward(ids);

        using var cache = model.NewCache(3, CPU);
        using var prefill = model.Decode(ids.narrow(1, 0, 5), cache);
        Assert.True(prefill.allclose(full.select(1, 4), rtol: 1e-4, atol: 1e-5));
        for (var t = 5; t < 12; t++)
        {
            using var step = model.Decode(ids.narrow(1, t, 1), cache);
            Assert.True(step.allclose(full.select(1, t), rtol: 1e-4, atol: 1e-5), $"position {t}");
        }

        Assert.Equal(12, cache.Length);

        // Several tokens after a cached prefix would get SDPA's top-left causal mask, which is wrong there: refused.
        using var more = model.NewCache(3, CPU);
        using var first = model.Decode(ids.narrow(1, 0, 5), more);
        Assert.Throws<InvalidOperationException>(() => model.Decode(ids.narrow(1, 5, 3), more));
    }

    [Fact]
    public void Mixed_precision_keeps_fp32_weights_and_logits_stays_close_to_fp32_and_decodes_like_the_full_pass()
    {
        using var model = NewModel();
        using var _ = no_grad();
        using var ids = randint(0, 50, [3, 12], dtype: ScalarType.Int64);
        using var exact = model.forward(ids);
        model.ComputeType = ScalarType.BFloat16;
        using var mixed = model.forward(ids);

        Assert.Equal(ScalarType.Float32, mixed.dtype);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.False(mixed.eq(exact).all().item<bool>(), "bf16 must actually be used");
        Assert.True(mixed.allclose(exact, rtol: 0.05, atol: 0.05), "bf16 logits must stay near fp32's");

        using var cache = model.NewCache(3, CPU);
        for (var t = 0; t < 12; t++)
        {
            using var step = model.Decode(ids.narrow(1, t, 1), cache);
            Assert.True(step.allclose(mixed.select(1, t), rtol: 0.05, atol: 0.05), $"position {t}");
        }
    }

    [Fact]
    public void Weights_depend_on_the_seed_only_not_on_the_global_generator()
    {
        manual_seed(5);
        using var a = new Gpt(s_config, seed: 9);
        manual_seed(6);
        randn(100).Dispose();
        using var b = new Gpt(s_config, seed: 9);
        using var c = new Gpt(s_config, seed: 10);
        Assert.All(a.parameters().Zip(b.parameters()), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        Assert.False(a.parameters().Zip(c.parameters()).All(pair => pair.First.eq(pair.Second).all().item<bool>()));
    }

    [Fact]
    public void Layer_norms_start_as_the_identity_and_biases_at_zero()
    {
        using var model = NewModel();
        using var zero = 0.ToScalar();
        var norms = model.named_parameters().Where(p => p.name.Contains("Norm") && p.name.EndsWith(".weight")).ToList();
        Assert.Equal(2 * 2 + 1, norms.Count);
        Assert.All(norms, p => Assert.True(p.parameter.eq(HeldScalars.One).all().item<bool>(), p.name));
        var biases = model.named_parameters().Where(p => p.name.EndsWith(".bias")).ToList();
        // Per block: LayerNorm ×2, attention in and out, MLP in and out; and the final LayerNorm. Counted, so a rename
        // that hid them from this filter (and from the initialiser's) cannot pass on an empty list.
        Assert.Equal(2 * 6 + 1, biases.Count);
        Assert.All(biases, p => Assert.True(p.parameter.eq(zero).all().item<bool>(), p.name));
    }

    [Fact]
    public void The_output_head_is_tied_to_the_token_embedding()
    {
        using var model = NewModel();
        var expected = 16 * 32 + 50 * 32 + 2 * (4 * 32 + 3 * 32 * 32 + 3 * 32 + 32 * 32 + 32 + 32 * 128 + 128 + 128 * 32 + 32) + 2 * 32;
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void The_cache_refuses_to_grow_past_the_context()
    {
        using var model = NewModel();
        using var _ = no_grad();
        using var cache = model.NewCache(1, CPU);
        using var ids = zeros(1, 16, dtype: ScalarType.Int64);
        using var full = model.Decode(ids, cache);
        using var one = zeros(1, 1, dtype: ScalarType.Int64);
        Assert.Throws<InvalidOperationException>(() => model.Decode(one, cache));
    }

    [Fact]
    public void Sampling_gives_exactly_the_requested_tokens_and_repeats_with_the_seed()
    {
        using var model = NewModel();
        var policy = new SamplingPolicy(1.0, 0, 1.0, MaxLength: 10);
        var sampler = new Sampler(model, policy, endOfDocumentId: 49, CPU, batch: 8);
        var a = sampler.SampleTokens(333, seed: 5);
        var b = sampler.SampleTokens(333, seed: 5);
        var c = sampler.SampleTokens(333, seed: 6);

        Assert.Equal(333, a.Sum(d => d.Length));
        Assert.All(a, d => Assert.InRange(d.Length, 1, 10));
        Assert.All(a, d => Assert.DoesNotContain(49, d));
        Assert.Equal(a.SelectMany(d => d), b.SelectMany(d => d));
        Assert.NotEqual(a.SelectMany(d => d), c.SelectMany(d => d));
    }

    [Fact]
    public void Dedupe_drops_documents_seen_before()
    {
        using var model = NewModel();
        // One-token documents from an untrained model over 49 ids: thirty of them repeat some (birthday odds), so
        // dedupe has something to drop, and enough distinct ids remain for thirty distinct documents.
        var sampler = new Sampler(model, new SamplingPolicy(1.0, 0, 1.0, MaxLength: 1), endOfDocumentId: 49, CPU, batch: 8);
        var plain = sampler.SampleTokens(30, seed: 1);
        var deduped = sampler.SampleTokens(30, seed: 1, dedupe: true);
        static string Text(int[] d) => string.Join(',', d);

        Assert.True(plain.Select(Text).Distinct().Count() < plain.Count, "the plain sample repeats no document, so it cannot show dedupe at work");
        Assert.Equal(30, deduped.Sum(d => d.Length));
        Assert.Equal(deduped.Count, deduped.Select(Text).Distinct().Count());
    }

    [Fact]
    public void A_sampler_that_only_repeats_itself_under_dedupe_stops_with_a_stall_instead_of_sampling_forever()
    {
        using var model = NewModel();
        var sampler = new Sampler(model, new SamplingPolicy(1.0, 1, 1.0, MaxLength: 2), endOfDocumentId: 49, CPU, batch: 64);
        var e = Assert.Throws<SamplingStalledException>(() => sampler.SampleTokens(1000, seed: 1, dedupe: true));
        var skipped = int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"^the model's last (\d+) documents were all empty( or repeats| \(the sampler ends every document at once\)), at \d+ of 1000 tokens$").Groups[1].Value);
        Assert.InRange(skipped, TokenBudget.StallAfter, TokenBudget.StallAfter + 64);
    }

    [Fact]
    public void A_token_budget_with_dedupe_skips_a_repeat_and_one_without_takes_it()
    {
        var deduped = new TokenBudget(10, dedupe: true);
        Assert.True(deduped.Offer([1, 2]));
        Assert.False(deduped.Offer([1, 2]));
        Assert.True(deduped.Offer([2, 1]));
        Assert.Equal(4, deduped.Total);

        var plain = new TokenBudget(10);
        Assert.True(plain.Offer([1, 2]));
        Assert.True(plain.Offer([1, 2]));
        Assert.Equal(4, plain.Total);
    }
}
