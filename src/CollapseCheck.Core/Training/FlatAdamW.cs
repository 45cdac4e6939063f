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
    private int _steps;

    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _steps++;
        var gradients = parameters.Gradients;
        var firstCorrection = 1 - Math.Pow(beta1, _steps);
        var secondCorrection = 1 - Math.Pow(beta2, _steps);
        if (weightDecay != 0)
        {
            parameters.Decayed.mul_(1 - learningRate * weightDecay);
        }

        _firstMoment.mul_(beta1).add_(gradients, alpha: 1 - beta1);
        _secondMoment.mul_(beta2).addcmul_(gradients, gradients, value: 1 - beta2);
        var denominator = _secondMoment.sqrt().div_(Math.Sqrt(secondCorrection)).add_(epsilon);
        parameters.Values.addcdiv_(_firstMoment, denominator, value: -learningRate / firstCorrection);
    }

    public void Dispose()
    {
        _firstMoment.Dispose();
        _secondMoment.Dispose();
    }
}
