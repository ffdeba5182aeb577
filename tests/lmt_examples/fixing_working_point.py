"""Fixing the working point by additional external rates (Senk et al. 2020, App. F).

Choose the mean and standard deviation of the input of every population, compute the
additional excitatory and inhibitory external rates that produce them, and check the
working point of the network with those rates.
"""
import neuromf.lmt as lif_meanfield_tools

ureg = lif_meanfield_tools.ureg

network = lif_meanfield_tools.Network(network_params='network_params_microcircuit.yaml',
                                      analysis_params='analysis_params.yaml')

# a quieter working point: 1 mV less mean input, 1 mV more fluctuations
working_point = network.working_point()
mean_input_set = working_point['mean_input'] - 1 * ureg.mV
std_input_set = working_point['std_input'] + 1 * ureg.mV
nu_e_ext, nu_i_ext = network.additional_rates_for_fixed_input(mean_input_set,
                                                              std_input_set)
print(f'additional excitatory rates: {nu_e_ext}')
print(f'additional inhibitory rates: {nu_i_ext}')

fixed = network.change_parameters(changed_network_params={'nu_e_ext': nu_e_ext,
                                                          'nu_i_ext': nu_i_ext})
working_point = fixed.working_point()
print('mean input: {} (target {})'.format(working_point['mean_input'], mean_input_set))
print('std input: {} (target {})'.format(working_point['std_input'], std_input_set))

fixed.save('fixing_working_point.h5', overwrite=True)
