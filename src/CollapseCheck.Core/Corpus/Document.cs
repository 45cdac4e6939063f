namespace CollapseCheck.Corpus;

/// <summary>One unit of real text. <paramref name="Id"/> names where it came from (file, file:line, or a doc member).</summary>
public sealed record Document(string Id, string Text);
