namespace Intelligence.Models;

/// <summary>One labelled row: whose, as of which cut-off day, the features and the label.</summary>
public sealed record Example(string PlayerId, long Cutoff, float[] Features, bool Label);
