using Intelligence.Segments;

namespace Intelligence.Tests.Segments;

/// <summary>The members' export opens safely in a spreadsheet: quoting per RFC 4180, and no text field read as a formula.</summary>
public sealed class CsvTests
{
    [Theory]
    [InlineData("p-1042", "p-1042")]
    [InlineData("=HYPERLINK(\"https://evil.example\",\"click\")", "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"click\"\")\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+1+2", "'+1+2")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("p=1", "p=1")]
    [InlineData("", "")]
    public void ATextField_IsQuotedWhenItMustBe_AndNeverStartsAFormula(string value, string expected) => Assert.Equal(expected, Csv.Field(value));
}
