using System.Reflection;
using System.Text.RegularExpressions;
using Ingestion.Profiles;
using Shared.Store;

namespace Ingestion.UnitTests;

/// <summary>The profile's field names readers use (<see cref="ProfileFields"/>) are the ones the fold script writes.</summary>
public sealed partial class ProfileFieldsTests
{
    private static IEnumerable<(string Name, string Field)> Constants() =>
        typeof(ProfileFields).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!));

    [Fact]
    public void EveryFieldName_IsOneTheFoldScriptSpells()
    {
        var literals = LuaString().Matches(ProfileWriter.FoldScript).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var unknown = Constants().Where(c => !literals.Contains(c.Field)).Select(c => $"{c.Name} = '{c.Field}'").ToList();
        Assert.True(unknown.Count == 0, $"fold.lua never spells: {string.Join(", ", unknown)}");
        Assert.True(Constants().Count() >= 50, "the reflection found the constants");
    }

    [Fact]
    public void TheLifetimeCounters_AreTheFoldScriptsLifetimeTable_InItsOrder()
    {
        var table = Regex.Match(ProfileWriter.FoldScript, @"local LIFETIME = \{([^}]*)\}").Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p == "false" ? null : p.Trim('\''))
            .ToList();
        Assert.Equal(table, ProfileFields.Lifetime);
        Assert.Equal(1, ProfileFields.PositionOf(ProfileFields.DepositCount));
        Assert.Equal(26, ProfileFields.PositionOf(ProfileFields.RefundAmount));
        Assert.Throws<ArgumentException>(() => ProfileFields.PositionOf(ProfileFields.Market));
    }

    [GeneratedRegex("'([^'\\n]*)'")]
    private static partial Regex LuaString();
}
