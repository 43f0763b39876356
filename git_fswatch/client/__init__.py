"""The client side of the helper: reaching the daemon, the public API, the
core.fsmonitor hook's answer and the warm status client."""
