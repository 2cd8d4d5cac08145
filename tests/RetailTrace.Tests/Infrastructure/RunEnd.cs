using Xunit.Sdk;
using Xunit.v3;

[assembly: TestCollectionOrderer(typeof(RetailTrace.Tests.Infrastructure.RunEnd.Orderer))]

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// The collection that runs last, alone, after every other test of the run (non-parallel collections run after the
/// parallel ones, in the orderer's order): for checks over the whole run, such as the scan of its logs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunEnd
{
    public const string Name = "Run end";

    public sealed class Orderer : ITestCollectionOrderer
    {
        public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
            where TTestCollection : ITestCollection =>
            [.. DefaultTestCollectionOrderer.Instance.OrderTestCollections(testCollections).OrderBy(c => c.TestCollectionDisplayName == Name)];
    }
}
