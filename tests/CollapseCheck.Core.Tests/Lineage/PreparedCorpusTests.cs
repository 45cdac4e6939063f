using System.Text;
using CollapseCheck.Corpus;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Lineage;

public class PreparedCorpusTests
{
    // Held-out words the training text never uses: a compacted vocabulary maps their tokens to the unknown id.
    private static readonly LoadedCorpus s_corpus = new(
        Enumerable.Range(0, 40).Select(i => new Document($"t{i}", $"Returns the number of elements in the collection, item {i}.")).ToList(),
        [new Document("h0", "Zygomorphic quasiperiodicity überschreitet Ålesund 🙂."), new Document("h1", "Returns the number of elements.")],
        "test",
        []);

    [Theory]
    [InlineData("byte")]
    [InlineData("cl100k")]
    [InlineData("o200k")]
    public void Held_out_bytes_are_the_texts_true_size_whatever_the_tokenizer(string tokenizer)
    {
        var policy = PolicyLoader.Parse($$"""{ "tokenizer": "{{tokenizer}}", "model": { "context": 16 } }""", "p.json");

        var prepared = PreparedCorpus.Prepare(policy, s_corpus);

        Assert.Equal(prepared.HeldOut.Length, prepared.HeldOutTokenBytes.Length);
        var trueBytes = s_corpus.HeldOut.Sum(d => Encoding.UTF8.GetByteCount(d.Text));
        Assert.Equal(trueBytes, prepared.HeldOutTokenBytes.Sum());
        // The per-id figure, which counts an unknown token as an average one, is what this replaces.
        Assert.Equal(tokenizer == "byte", trueBytes == prepared.HeldOut.Ids.Sum(prepared.Tokenizer.ByteLength));
        Assert.All(prepared.HeldOut.Ids.Select((id, i) => (id, i)).Where(p => p.id == prepared.Tokenizer.EndOfDocumentId),
            p => Assert.Equal(0, prepared.HeldOutTokenBytes[p.i]));
    }

    [Fact]
    public void The_unigram_baseline_is_the_held_out_perplexity_of_the_pools_add_half_frequencies()
    {
        // A pool of ten "ab": a, b and the end-of-document id ten times each, 30 in all, over the byte tokenizer's 257 ids.
        // Held out "ab": the evaluator scores a, b and the closing end-of-document id, each (10 + ½) / (30 + 257 / 2).
        var policy = PolicyLoader.Parse("""{ "model": { "context": 16 } }""", "p.json");
        var corpus = new LoadedCorpus(Enumerable.Range(0, 10).Select(i => new Document($"t{i}", "ab")).ToList(), [new Document("h0", "ab")], "test", []);

        var prepared = PreparedCorpus.Prepare(policy, corpus);

        Assert.Equal(257, prepared.Tokenizer.VocabularySize);
        Assert.Equal((30 + 257 / 2.0) / 10.5, prepared.UnigramPerplexity(), 1e-9);
    }

    [Fact]
    public void A_held_out_cap_that_cuts_a_document_cuts_its_bytes_with_it()
    {
        var policy = PolicyLoader.Parse("""{ "tokenizer": "cl100k", "model": { "context": 16 }, "evaluation": { "heldOutTokens": 100 } }""", "p.json");
        var longFirst = string.Concat(Enumerable.Repeat(s_corpus.HeldOut[0].Text + " ", 20));

        var prepared = PreparedCorpus.Prepare(policy, s_corpus with { HeldOut = [new Document("h0", longFirst), .. s_corpus.HeldOut] });

        Assert.Equal(prepared.HeldOut.Length, prepared.HeldOutTokenBytes.Length);
        Assert.Equal(100 + 2, prepared.HeldOut.Length);
        Assert.Equal(prepared.Tokenizer.EncodeWithBytes(longFirst).Bytes.Take(100).Sum(), prepared.HeldOutTokenBytes.Sum());
    }

    [Theory]
    [InlineData("byte")]
    [InlineData("cl100k")]
    public void The_real_reference_sample_is_as_long_as_a_generations_sample_whatever_the_held_out_cap(string tokenizer)
    {
        var policy = PolicyLoader.Parse($$"""
            { "tokenizer": "{{tokenizer}}", "model": { "context": 16 },
              "lineage": { "syntheticTokensPerGeneration": 300 }, "evaluation": { "heldOutTokens": 100 } }
            """, "p.json");
        var held = Enumerable.Range(0, 30).Select(i => new Document($"h{i}", $"{s_corpus.HeldOut[i % 2].Text} Ålesund {i}.")).ToList();

        var prepared = PreparedCorpus.Prepare(policy, s_corpus with { HeldOut = held });

        Assert.Equal(100, prepared.HeldOutDocuments.Sum(d => d.Length));
        Assert.Equal(300, prepared.RealSample.Sum(d => d.Length));
        // The held-out text scored is where the reference sample starts.
        Assert.Equal(prepared.HeldOutDocuments.SelectMany(d => d), prepared.RealSample.SelectMany(d => d).Take(100));
        // Its size is the text's true one: here each kept document whole but the last, cut at its token.
        var whole = prepared.RealSample.Count - 1;
        var lastBytes = prepared.Tokenizer.EncodeWithBytes(held[whole].Text).Bytes.Take(prepared.RealSample[^1].Length).Sum();
        Assert.Equal(held.Take(whole).Sum(d => Encoding.UTF8.GetByteCount(d.Text)) + lastBytes, prepared.RealSampleBytes);
    }

    [Fact]
    public void A_subsample_larger_than_generation_1_can_draw_from_is_refused_at_trainingTokens()
    {
        var policy = PolicyLoader.Parse("""
            { "model": { "context": 16 },
              "lineage": { "trainingTokens": 10000000, "syntheticTokensPerGeneration": 500 } }
            """, "p.json");

        var e = Assert.Throws<CollapseCheck.Diagnostics.CollapseCheckException>(() => PreparedCorpus.Prepare(policy, s_corpus));

        Assert.Equal("CC0014", e.Code);
        Assert.Equal(policy.LocationOf("lineage.trainingTokens"), e.Location);
        Assert.Contains("is more than generation 1 can draw from", e.Message);
    }

    [Fact]
    public void Fresh_tokens_that_leave_the_real_pool_too_small_say_how_many_the_split_holds_and_they_take()
    {
        var policy = PolicyLoader.Parse("""
            { "model": { "context": 16 },
              "lineage": { "mode": "replace", "generations": 3, "freshRealTokensPerGeneration": 10000000, "syntheticTokensPerGeneration": 500 } }
            """, "p.json");

        var e = Assert.Throws<CollapseCheck.Diagnostics.CollapseCheckException>(() => PreparedCorpus.Prepare(policy, s_corpus));

        Assert.Equal("CC0014", e.Code);
        Assert.Equal(policy.LocationOf("lineage.freshRealTokensPerGeneration"), e.Location);
        Assert.Matches(@"the training split holds \d+ tokens; 10000000 fresh tokens for each of 3 generations reserve 30000000 of them and leave 0 for the real pool, which needs at least 17 \(context \+ 1\)", e.Message);
    }

    /// <summary>
    /// A corpus of two topics, one after the other, as files read in order give: each generation's fresh text must be a
    /// sample of both, not the last topic's documents (what taking them from the split's end gave).
    /// </summary>
    [Fact]
    public void Fresh_text_is_whole_documents_from_the_whole_training_split_and_the_rest_is_the_pool_in_order()
    {
        var train = Enumerable.Range(0, 200).Select(i => new Document($"t{i}", i < 100 ? $"aaaa{i:D3}" : $"zzzz{i:D3}")).ToList();
        var corpus = new LoadedCorpus(train, [new Document("h0", "aaaa zzzz")], "test", []);
        PreparedCorpus Prepare(int f) => PreparedCorpus.Prepare(PolicyLoader.Parse($$"""
            { "model": { "context": 8 }, "lineage": { "mode": "replace", "generations": 3, "freshRealTokensPerGeneration": {{f}}, "syntheticTokensPerGeneration": 100 } }
            """, "p.json"), corpus);
        static string Text(int[] ids) => Encoding.UTF8.GetString(ids.Select(id => (byte)id).ToArray());

        var prepared = Prepare(140);

        for (var g = 1; g <= 3; g++)
        {
            var texts = prepared.Fresh[g].Select(Text).ToList();
            Assert.Equal(140, prepared.Fresh[g].Sum(d => d.Length));
            // 20 documents of 7 bytes each: about half from each topic, and never all from one (2 · 2^-20).
            Assert.InRange(texts.Count(t => t.Contains('a')), 3, 17);
            Assert.InRange(texts.Count(t => t.Contains('z')), 3, 17);
        }

        var pool = prepared.RealPool.Select(Text).ToList();
        Assert.Equal(200 * 7 - 3 * 140, pool.Sum(t => t.Length));
        Assert.Equal(pool.OrderBy(t => t[4..], StringComparer.Ordinal), pool);
        Assert.Empty(pool.Intersect(prepared.Fresh.SelectMany(d => d).Select(Text)));
        // The same order whatever f: a smaller f's pool holds all of a larger one's.
        Assert.Empty(pool.Except(Prepare(100).RealPool.Select(Text)));
        Assert.Equal(pool, Prepare(140).RealPool.Select(Text));
    }

    [Fact]
    public void Held_out_texts_that_share_ids_but_not_bytes_get_different_generation_cache_keys()
    {
        // Neither word is in the training text: under cl100k both become the unknown id, with different byte counts.
        var policy = PolicyLoader.Parse("""{ "tokenizer": "cl100k", "model": { "context": 16 } }""", "p.json");
        PreparedCorpus With(string word) => PreparedCorpus.Prepare(policy, s_corpus with { HeldOut = [new Document("h", $"Returns{word}.")] });
        var (elephant, cat) = (With(" elephant"), With(" cat"));
        Assert.Equal(elephant.HeldOut.Ids, cat.HeldOut.Ids);

        Assert.NotEqual(GenerationCache.KeysFor(policy, elephant, "cpu", 1), GenerationCache.KeysFor(policy, cat, "cpu", 1));
    }

    [Fact]
    public void Training_texts_whose_tokens_compact_to_the_same_ids_get_different_generation_cache_keys()
    {
        // cl100k's " him" and " break" (1461, 1464) have no used id between them, so each compacts to the same id and
        // the id streams match, but they decode to other text of other byte lengths: a cache hit would be wrong.
        var policy = PolicyLoader.Parse("""{ "tokenizer": "cl100k", "model": { "context": 16 } }""", "p.json");
        PreparedCorpus With(string word) => PreparedCorpus.Prepare(policy, s_corpus with
        {
            Train = [.. s_corpus.Train, new Document("w", "Text:" + string.Concat(Enumerable.Repeat(word, 60)))],
        });
        var (him, broke) = (With(" him"), With(" break"));
        Assert.Equal(him.RealPool, broke.RealPool);
        Assert.NotEqual(him.Tokenizer.Decode(him.RealPool[^1]), broke.Tokenizer.Decode(broke.RealPool[^1]));

        Assert.NotEqual(GenerationCache.KeysFor(policy, him, "cpu", 1), GenerationCache.KeysFor(policy, broke, "cpu", 1));
    }

    [Fact]
    public void Held_out_tokens_the_training_text_never_used_are_counted_for_the_report()
    {
        var policy = PolicyLoader.Parse("""{ "tokenizer": "cl100k", "model": { "context": 16 } }""", "p.json");
        var corpus = PreparedCorpus.Prepare(policy, s_corpus with { HeldOut = [new Document("h", "Returns elephant."), new Document("i", "Returns elephant.")] });
        Assert.Equal(2, corpus.HeldOutUnknownTokens);

        var bytes = PreparedCorpus.Prepare(PolicyLoader.Parse("""{ "model": { "context": 16 } }""", "p.json"), s_corpus with { HeldOut = [new Document("h", "Returns elephant.")] });
        Assert.Equal(0, bytes.HeldOutUnknownTokens);
    }

    [Fact]
    public void A_lineage_seed_has_one_cache_key_whichever_training_seed_numbered_the_lineages_from()
    {
        LineagePolicyFile Policy(int seed) => PolicyLoader.Parse($$"""{ "model": { "context": 16 }, "training": { "seed": {{seed}} } }""", "p.json");
        var (first, second) = (Policy(1), Policy(2));
        var corpus = PreparedCorpus.Prepare(first, s_corpus);

        Assert.Equal(GenerationCache.KeysFor(first, corpus, "cpu", 2), GenerationCache.KeysFor(second, corpus, "cpu", 2));
        Assert.NotEqual(GenerationCache.KeysFor(first, corpus, "cpu", 1), GenerationCache.KeysFor(first, corpus, "cpu", 2));
        Assert.NotEqual(GenerationCache.KeysFor(first, corpus, "cpu", 2), GenerationCache.KeysFor(Policy(1) with { Training = first.Training with { Steps = 299 } }, corpus, "cpu", 2));
    }
}
