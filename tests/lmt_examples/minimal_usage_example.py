"""Minimal usage of the lif_meanfield_tools API (LMT's README, "How to use").

Instantiate a network from the parameter files, compute its working point and a
transfer function at one frequency, print them and save all results.
"""
import neuromf.lmt as lif_meanfield_tools

ureg = lif_meanfield_tools.ureg

# instantiate network
network = lif_meanfield_tools.Network(network_params='network_params_microcircuit.yaml',
                                      analysis_params='analysis_params.yaml')

# calculate working point
working_point = network.working_point()

# print results
print('Working point:')
print('mean input: {}'.format(working_point['mean_input']))
print('std input: {}'.format(working_point['std_input']))
print('firing rates: {}'.format(working_point['firing_rates']))

print(network.transfer_function(10 * ureg.Hz))

# save results
network.save('minimal_usage_example.h5', overwrite=True)
