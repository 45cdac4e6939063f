using TorchSharp;
using static CollapseCheck.Native.HeldScalars;
using static TorchSharp.torch;

namespace CollapseCheck.Training;

/// <summary>
/// AdamW (decoupled weight decay) over <see cref="FlatParameters"/>: seven kernels per step whatever the
/// model's size, and the learning rate and bias corrections are host scalars, so a step never waits on the device.
/// </summary>
public sealed class FlatAdamW(FlatParameters parameters, double beta1, double beta2, double epsilon, double weightDecay) : IDisposable
{
    private readonly Tensor _firstMoment = zeros_like(parameters.Values);
    private readonly Tensor _secondMoment = zeros_like(parameters.Values);
    private readonly Scalar _beta1 = beta1.ToScalar();
    private readonly Scalar _oneMinusBeta1 = (1 - beta1).ToScalar();
    private readonly Scalar _beta2 = beta2.ToScalar();
    private readonly Scalar _oneMinusBeta2 = (1 - beta2).ToScalar();
    private readonly Scalar _epsilon = epsilon.ToScalar();
    private int _steps;

    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _steps++;
        var gradients = parameters.Gradients;
        var firstCorrection = 1 - Math.Pow(beta1, _steps);
        var secondCorrection = 1 - Math.Pow(beta2, _steps);
        using var decay = (1 - learningRate * weightDecay).ToScalar();
        using var secondScale = Math.Sqrt(secondCorrection).ToScalar();
        using var stepSize = (-learningRate / firstCorrection).ToScalar();
        if (weightDecay != 0)
        {
            parameters.Decayed.mul_(decay);
        }

        _firstMoment.mul_(_beta1).add_(gradients, alpha: _oneMinusBeta1);
        _secondMoment.mul_(_beta2).addcmul_(gradients, gradients, value: _oneMinusBeta2);
        var denominator = _secondMoment.sqrt().div_(secondScale).add_(_epsilon, One);
        parameters.Values.addcdiv_(_firstMoment, denominator, value: stepSize);
    }

    public void Dispose()
    {
        _firstMoment.Dispose();
        _secondMoment.Dispose();
        foreach (var scalar in new[] { _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon })
        {
            scalar.Dispose();
        }
    }
}
